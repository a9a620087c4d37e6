"""The follow-up of the two demo engagements in `follow_up`: the policy briefing each published,
then the updates the client's officer and the consultants recorded on the shared
recommendations, and the indicators measured since. Illustrative content.

Wallonia is the healthy case: every recommendation answered, implementation under way, one
disagreement (R1: the region rates it `most_respects`, the consultants `some_respects`).
AdPack is the case to chase: R3 still has no answer from the partnership years after it was
shared. Recent entries are dated from the seeding day (specs.days_ago)."""

from datetime import UTC, date, datetime

from app.seed.demo_data.reference import (
    ADPACK_OFFICER,
    ELODIE,
    KATRIN,
    TOMAS,
    WALLONIA_OFFICER,
)
from app.seed.demo_data.specs import (
    BriefingSpec,
    FollowUpSpec,
    IndicatorSpec,
    MeasurementSpec,
    UpdateSpec,
    days_ago,
)
from app.vocab import Implementation, Response

WALLONIA_FOLLOW_UP = FollowUpSpec(
    briefing=BriefingSpec(
        author=ELODIE,
        drafted_on=date(2019, 3, 6),
        published_at=datetime(2019, 3, 14, 15, 0, tzinfo=UTC),
    ),
    updates=(
        UpdateSpec(
            "R1",
            WALLONIA_OFFICER,
            date(2019, 7, 18),
            "The Government approved the principle of a strategy board that reviews every "
            "domain each year. The decree setting up the board is being drafted.",
            response=Response.ACCEPTED,
        ),
        UpdateSpec(
            "R2",
            WALLONIA_OFFICER,
            date(2019, 7, 18),
            "IWEPS has been asked to propose outcome indicators and a 2018 baseline for each "
            "priority domain.",
            response=Response.ACCEPTED,
        ),
        UpdateSpec(
            "R3",
            WALLONIA_OFFICER,
            date(2019, 9, 26),
            "The clusters will try a first-time SME strand in two calls before anyone commits "
            "to a permanent one.",
            response=Response.PARTIALLY_ACCEPTED,
        ),
        UpdateSpec(
            "R2",
            KATRIN,
            date(2020, 2, 10),
            "Baselines are fixed for the two pilot domains; the other four still report "
            "projects and spending only.",
            implementation=Implementation.SOME_RESPECTS,
        ),
        UpdateSpec(
            "R3",
            WALLONIA_OFFICER,
            date(2020, 10, 5),
            "The pilot strand ran in the spring call: nine SMEs new to cluster projects joined "
            "funded consortia. The second pilot call is open.",
            implementation=Implementation.SOME_RESPECTS,
        ),
        UpdateSpec(
            "R2",
            WALLONIA_OFFICER,
            days_ago(150),
            "Five of the six domains now have outcome indicators with a baseline, and IWEPS "
            "publishes the dashboard every December.",
            implementation=Implementation.MOST_RESPECTS,
        ),
        UpdateSpec(
            "R1",
            WALLONIA_OFFICER,
            days_ago(60),
            "The strategy board held its yearly review and, for the first time, moved funds "
            "from a slow domain to a growing one. We consider the recommendation largely "
            "implemented.",
            implementation=Implementation.MOST_RESPECTS,
        ),
        UpdateSpec(
            "R2",
            KATRIN,
            days_ago(34),
            "Checked the latest dashboard with IWEPS: five domains are measured against their "
            "baseline, the sixth is promised for the next edition. Agreed: most respects.",
            implementation=Implementation.MOST_RESPECTS,
        ),
        UpdateSpec(
            "R1",
            ELODIE,
            days_ago(34),
            "The board meets and has shifted money once, about 4% of two domain budgets. Its "
            "power to reallocate is still not in the decree, so each shift needs the "
            "ministers' consent: some respects until the decree is adopted.",
            implementation=Implementation.SOME_RESPECTS,
        ),
    ),
    indicators=(
        IndicatorSpec(
            "R2",
            "Priority domains followed by an outcome indicator with a baseline",
            "domains",
            0,
            2018,
            6,
            2027,
            (
                MeasurementSpec(0, date(2019, 12, 16), KATRIN, "Indicators still being drafted."),
                MeasurementSpec(2, date(2020, 12, 9), WALLONIA_OFFICER, "The two pilot domains."),
                MeasurementSpec(4, days_ago(380), WALLONIA_OFFICER),
                MeasurementSpec(5, days_ago(150), WALLONIA_OFFICER, "Latest IWEPS dashboard."),
            ),
        ),
        IndicatorSpec(
            "R3",
            "SMEs new to cluster projects joining funded consortia",
            "SMEs a year",
            14,
            2018,
            40,
            2027,
            (
                MeasurementSpec(15, date(2019, 12, 16), WALLONIA_OFFICER),
                MeasurementSpec(23, date(2020, 12, 9), WALLONIA_OFFICER, "First pilot strand."),
                MeasurementSpec(29, days_ago(380), WALLONIA_OFFICER),
                MeasurementSpec(38, days_ago(40), KATRIN, "From the agency's project database."),
            ),
        ),
    ),
)

ADPACK_FOLLOW_UP = FollowUpSpec(
    briefing=BriefingSpec(
        author=ELODIE,
        drafted_on=date(2019, 4, 17),
        published_at=datetime(2019, 4, 26, 14, 0, tzinfo=UTC),
    ),
    updates=(
        UpdateSpec(
            "R1",
            ADPACK_OFFICER,
            date(2019, 6, 20),
            "The partners agreed on two target markets at the June meeting and commissioned one "
            "shared study for each.",
            response=Response.ACCEPTED,
        ),
        UpdateSpec(
            "R2",
            ADPACK_OFFICER,
            date(2019, 10, 2),
            "Co-funding approved for first-time SMEs on one joint mission a year, up to half of "
            "their travel costs. Fair fees stay with the firms.",
            response=Response.PARTIALLY_ACCEPTED,
        ),
        UpdateSpec(
            "R1",
            TOMAS,
            date(2020, 3, 12),
            "The first market study is out and open to all members; the second was put off "
            "when travel stopped.",
            implementation=Implementation.SOME_RESPECTS,
        ),
        UpdateSpec(
            "R1",
            ADPACK_OFFICER,
            days_ago(95),
            "Both market studies are published and updated every year for the members.",
            implementation=Implementation.FULLY_IMPLEMENTED,
        ),
        UpdateSpec(
            "R1",
            TOMAS,
            days_ago(21),
            "Confirmed with the coordinator: both studies are online and members use them.",
            implementation=Implementation.FULLY_IMPLEMENTED,
        ),
        UpdateSpec(
            "R2",
            TOMAS,
            days_ago(21),
            "The scheme works but covers a single mission a year, so it reaches few firms.",
            implementation=Implementation.SOME_RESPECTS,
        ),
        UpdateSpec(
            "R3",
            TOMAS,
            days_ago(21),
            "No board has discussed the draft agreement yet and joint actions are still agreed "
            "case by case. The partnership has not answered this recommendation; the "
            "coordinator will table it at the next partners' meeting.",
            implementation=Implementation.NOT_IMPLEMENTED,
        ),
    ),
    indicators=(
        IndicatorSpec(
            "R2",
            "First-time SMEs on co-funded joint missions (cumulative)",
            "SMEs",
            0,
            2018,
            40,
            2027,
            (
                MeasurementSpec(5, date(2019, 12, 10), ADPACK_OFFICER),
                MeasurementSpec(5, date(2020, 12, 10), ADPACK_OFFICER, "No mission in 2020."),
                MeasurementSpec(9, days_ago(390), ADPACK_OFFICER),
                MeasurementSpec(12, days_ago(21), TOMAS),
            ),
        ),
        IndicatorSpec(
            "R1",
            "Member firms using the shared market studies",
            "firms",
            0,
            2018,
            60,
            2027,
            (
                MeasurementSpec(18, date(2020, 6, 30), ADPACK_OFFICER, "Download log."),
                MeasurementSpec(55, days_ago(95), ADPACK_OFFICER, "Download log."),
            ),
        ),
    ),
)

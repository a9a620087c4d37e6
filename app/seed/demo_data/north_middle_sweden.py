"""North-Middle Sweden (SE31): an integration and coordination function for the cluster
landscape. Phase: recommendations, resumed after a long pause. Illustrative content."""

from datetime import UTC, date, datetime

from app.seed.demo_data.reference import JONAS, KATRIN, TOMAS
from app.seed.demo_data.specs import (
    BottleneckSpec,
    ChallengeSpec,
    EngagementSpec,
    EvidenceSpec,
    Indicator,
    Link,
    MilestoneSpec,
    MissionSpec,
    RecommendationSpec,
    Step,
    days_ago,
    days_ahead,
)
from app.vocab import (
    BottleneckStatus,
    EvidenceKind,
    FrameworkCondition,
    Horizon,
    Instrument,
    MissionKind,
    Objective,
    Phase,
    Priority,
    Relation,
    Theme,
)

NORTH_MIDDLE_SWEDEN = EngagementSpec(
    reference="EOCIC-2018-SE31",
    title="A coordination function for the cluster landscape of North-Middle Sweden",
    summary=(
        "Gävleborg, Dalarna and Värmland together host more than twenty cluster initiatives, "
        "several working on the same value chains. The three regions asked how a shared "
        "integration and coordination function could make the landscape easier to use for "
        "firms and partners abroad."
    ),
    created_at=datetime(2018, 4, 16, 7, 50, tzinfo=UTC),
    region="SE31",
    lead=JONAS,
    members=(KATRIN, TOMAS),
    themes=(Theme.RESOURCE_EFFICIENCY, Theme.DIGITALISATION, Theme.ENTREPRENEURSHIP),
    objectives=(Objective.INTERREGIONAL_COLLABORATION, Objective.SME_INTERNATIONALISATION),
    planned_start=date(2018, 5, 2),
    planned_end=date(2019, 6, 28),
    steps=(
        Step(Phase.DIAGNOSIS, datetime(2018, 6, 4, 12, 10, tzinfo=UTC), "Challenges agreed."),
        Step(
            Phase.RECOMMENDATIONS,
            datetime(2018, 11, 19, 15, 5, tzinfo=UTC),
            "Coordination and funding bottlenecks confirmed at the Falun workshop.",
        ),
        Step(
            Phase.ON_HOLD,
            datetime(2019, 3, 25, 10, 0, tzinfo=UTC),
            "The councils pause the work until their new regional development strategies "
            "are adopted.",
        ),
        Step(
            Phase.RECOMMENDATIONS,
            days_ago(75),
            "Resumed at the councils' request: the cards are updated to the new strategies.",
        ),
    ),
    challenges=(
        ChallengeSpec(
            "C1",
            "A fragmented cluster landscape across three counties",
            "Firms and foreign partners struggle to find the right initiative.",
            1,
        ),
        ChallengeSpec(
            "C2",
            "Cluster initiatives live from project to project",
            "Most initiatives rely on calls of two to three years.",
            2,
        ),
    ),
    bottlenecks=(
        BottleneckSpec(
            "B1",
            "No shared forum coordinates cluster initiatives across the three counties",
            "Each county steers its own initiatives; overlaps are found by chance.",
            FrameworkCondition.QUALITY_OF_GOVERNANCE,
            4,
            BottleneckStatus.CONFIRMED,
            "C1",
        ),
        BottleneckSpec(
            "B2",
            "Short funding cycles keep cluster teams on temporary contracts",
            "Cluster managers spend a third of their time writing the next application.",
            FrameworkCondition.ACCESS_TO_FINANCE,
            3,
            BottleneckStatus.CONFIRMED,
            "C2",
        ),
        BottleneckSpec(
            "B3",
            "Member SMEs rarely take part in international activities",
            "To be tested against the export support agency's participation data.",
            FrameworkCondition.COLLABORATION_INTERNATIONALISATION,
            3,
            BottleneckStatus.HYPOTHESIS,
            "C1",
        ),
    ),
    evidence=(
        EvidenceSpec(
            "E1",
            EvidenceKind.PUBLICATION,
            "Regional development strategies of Gävleborg, Dalarna and Värmland",
            "Regional councils of the three counties",
            url="https://www.tillvaxtverket.se/",
            published_on=date(2017, 3, 1),
            excerpt="Each strategy names clusters as a tool; none mentions the neighbours'.",
            links=(Link("challenge", "C1", Relation.CONTEXT), Link("bottleneck", "B1")),
        ),
        EvidenceSpec(
            "E2",
            EvidenceKind.WORKSHOP,
            "Cluster managers' workshop in Falun",
            "EOCIC workshop report, October 2018",
            excerpt="Nine pairs of initiatives found they serve the same firms.",
            links=(Link("bottleneck", "B1"), Link("bottleneck", "B2")),
        ),
        EvidenceSpec(
            "E3",
            EvidenceKind.INDICATOR,
            "SMEs introducing product or process innovations",
            "Regional Innovation Scoreboard 2017, European Commission",
            url="https://ec.europa.eu/growth/",
            published_on=date(2017, 6, 20),
            indicator=Indicator(
                "SMEs introducing product or process innovations",
                36.2,
                "% of SMEs",
                2016,
                30.6,
                "EU-28 average",
            ),
            links=(Link("challenge", "C1", Relation.CONTEXT),),
        ),
        EvidenceSpec(
            "E4",
            EvidenceKind.DATASET,
            "Funding history of the region's cluster initiatives, 2010-2018",
            "Swedish Agency for Economic and Regional Growth",
            url="https://www.tillvaxtverket.se/",
            published_on=date(2018, 8, 15),
            excerpt="Median grant length of 26 months; four in five initiatives had a gap year.",
            links=(Link("bottleneck", "B2"),),
        ),
    ),
    recommendations=(
        RecommendationSpec(
            code="R1",
            title="Set up a joint cluster coordination function for the three counties",
            description=(
                "A small team hosted by one regional council, steered by all three, keeps a "
                "common map of initiatives, brokers joint projects and is the single entry "
                "point for partners abroad."
            ),
            benefits_costs="Less overlap and one face abroad; two to three staff, cost shared.",
            risks="Seen as a fourth layer unless the initiatives shape its work programme.",
            responsible_actor="Regional councils of Gävleborg, Dalarna and Värmland",
            instrument=Instrument.GOVERNANCE,
            priority=Priority.HIGH,
            horizon=Horizon.SHORT,
            addresses=("B1",),
        ),
        RecommendationSpec(
            code="R2",
            title="Move core funding of mature initiatives to multi-year agreements",
            description=(
                "Fund the core team of initiatives that pass a performance review for five "
                "years, with a mid-term check; keep project calls for new activities."
            ),
            benefits_costs="Stable teams and longer partnerships; no extra total budget.",
            risks="Locks funds into incumbents; needs a clear exit rule.",
            responsible_actor="Regional councils with the national growth agency",
            instrument=Instrument.FUNDING,
            priority=Priority.MEDIUM,
            horizon=Horizon.MEDIUM,
            addresses=("B2",),
        ),
    ),
    missions=(
        MissionSpec(
            kind=MissionKind.SITE_VISIT,
            title="Visits to cluster initiatives in Gävle, Falun and Karlstad",
            start_date=date(2018, 5, 22),
            end_date=date(2018, 5, 24),
            location="Gävle, Falun and Karlstad, Sweden",
            consultants=(JONAS, TOMAS),
            participants_count=27,
            organisations=("Twelve cluster initiatives", "Three regional councils"),
            summary="Met the initiatives and the regional development officers.",
            outcomes="Agreed the two challenges and the Falun workshop.",
        ),
        MissionSpec(
            kind=MissionKind.WORKSHOP,
            title="Cluster managers' workshop",
            start_date=date(2018, 10, 9),
            location="Falun, Sweden",
            consultants=(JONAS, KATRIN),
            participants_count=34,
            organisations=("Cluster initiatives of the three counties", "Business Sweden"),
            summary="Mapped initiatives by value chain and market; looked for overlaps.",
            outcomes="Shared view of overlaps; interest in a joint coordination function.",
            follow_up="Regional councils to name contacts for the recommendation drafting.",
        ),
        MissionSpec(
            kind=MissionKind.WORKSHOP,
            title="Restart workshop with the three regional councils",
            start_date=days_ago(48),
            location="Falun, Sweden",
            consultants=(JONAS, KATRIN),
            participants_count=14,
            organisations=("Regional councils of Gävleborg, Dalarna and Värmland",),
            summary="Checked the 2018 diagnosis against the councils' new strategies.",
            outcomes="Both bottlenecks still stand; R1 to name a host for the function.",
            follow_up="Revised recommendation cards to the councils before the due date.",
        ),
    ),
    milestones=(
        MilestoneSpec("Scoping note agreed", date(2018, 5, 31), date(2018, 5, 30)),
        MilestoneSpec(
            "Diagnosis shared with the three regions", date(2018, 11, 30), date(2018, 11, 16)
        ),
        # Planned for February 2019, then set again when the work resumed.
        MilestoneSpec("Recommendation cards delivered", days_ahead(30)),
    ),
)

"""Wallonia (BE3): governance and monitoring of the smart specialisation strategy. Phase:
follow_up (the follow-up itself is in follow_up.py). Illustrative content."""

from datetime import UTC, date, datetime

from app.seed.demo_data.follow_up import WALLONIA_FOLLOW_UP
from app.seed.demo_data.reference import ELODIE, KATRIN
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

WALLONIA = EngagementSpec(
    reference="EOCIC-2018-BE3",
    title="Governance and monitoring of Wallonia's smart specialisation strategy",
    summary=(
        "Wallonia asked the observatory to review how its smart specialisation strategy is "
        "steered and monitored, ahead of the strategy's renewal for 2021-2027. The work covers "
        "the steering bodies, the role of the competitiveness clusters and the indicators used "
        "to follow the strategy."
    ),
    created_at=datetime(2018, 2, 12, 9, 30, tzinfo=UTC),
    region="BE3",
    lead=ELODIE,
    members=(KATRIN,),
    themes=(Theme.KETS, Theme.DIGITALISATION),
    objectives=(Objective.INDUSTRIAL_MODERNISATION, Objective.INTERREGIONAL_COLLABORATION),
    planned_start=date(2018, 3, 1),
    planned_end=date(2019, 6, 30),
    steps=(
        Step(Phase.DIAGNOSIS, datetime(2018, 4, 20, 14, 0, tzinfo=UTC), "Scope agreed with SPW."),
        Step(
            Phase.RECOMMENDATIONS,
            datetime(2018, 10, 5, 10, 15, tzinfo=UTC),
            "Diagnosis validated by the steering committee.",
        ),
        Step(
            Phase.REPORTING,
            datetime(2019, 1, 28, 16, 40, tzinfo=UTC),
            "Recommendations discussed with the cabinet; drafting the policy briefing.",
        ),
        Step(
            Phase.FOLLOW_UP,
            datetime(2019, 6, 3, 9, 0, tzinfo=UTC),
            "Briefing presented to the steering committee; follow-up of R1-R3 starts.",
        ),
    ),
    challenges=(
        ChallengeSpec(
            "C1",
            "Steering the strategy across many actors",
            "Five ministries, two agencies and six competitiveness clusters each own part of "
            "the strategy; decisions on priorities are slow and rarely revisited.",
            1,
        ),
        ChallengeSpec(
            "C2",
            "Showing what the strategy achieves",
            "The region cannot yet say which of its priority domains are gaining ground.",
            1,
        ),
        ChallengeSpec(
            "C3",
            "Widening SME participation in cluster projects",
            "Cluster projects involve the same large firms and research centres each round.",
            2,
        ),
    ),
    bottlenecks=(
        BottleneckSpec(
            "B1",
            "No body with a mandate to arbitrate between priority domains",
            "The steering committee coordinates but cannot reallocate funds between domains.",
            FrameworkCondition.QUALITY_OF_GOVERNANCE,
            4,
            BottleneckStatus.CONFIRMED,
            "C1",
        ),
        BottleneckSpec(
            "B2",
            "Monitoring counts outputs and has no baseline",
            "Indicators track projects funded and euros spent, not changes in the economy.",
            FrameworkCondition.QUALITY_OF_GOVERNANCE,
            4,
            BottleneckStatus.CONFIRMED,
            "C2",
        ),
        BottleneckSpec(
            "B3",
            "Calls favour repeat consortia over first-time SME partners",
            "Call criteria reward track record; small firms rarely lead or join a proposal.",
            FrameworkCondition.ENTREPRENEURIAL_CONDITIONS,
            3,
            BottleneckStatus.CONFIRMED,
            "C3",
        ),
        BottleneckSpec(
            "B4",
            "Scale-ups cannot find risk capital",
            "Hypothesis from the scoping phase; the regional funds' figures did not bear it out.",
            FrameworkCondition.ACCESS_TO_FINANCE,
            2,
            BottleneckStatus.DISMISSED,
        ),
    ),
    evidence=(
        EvidenceSpec(
            "E1",
            EvidenceKind.PUBLICATION,
            "Evaluation of the regional industrial policy plan: governance chapter",
            "Walloon Institute for Evaluation, Foresight and Statistics (IWEPS)",
            url="https://www.iweps.be/",
            published_on=date(2017, 11, 15),
            excerpt="Steering is fragmented; few decisions revisit the choice of priorities.",
            links=(
                Link("bottleneck", "B1"),
                Link("bottleneck", "B2", note="The chapter lists output indicators only."),
            ),
        ),
        EvidenceSpec(
            "E2",
            EvidenceKind.INTERVIEW,
            "Interviews with six domain coordinators and the steering committee secretariat",
            "EOCIC mission notes, April 2018",
            excerpt="No one can move money from a weak domain to a strong one within a year.",
            links=(Link("bottleneck", "B1"), Link("challenge", "C1", Relation.CONTEXT)),
        ),
        EvidenceSpec(
            "E3",
            EvidenceKind.INDICATOR,
            "Innovative SMEs collaborating with others",
            "Regional Innovation Scoreboard 2017, European Commission",
            url="https://ec.europa.eu/growth/",
            published_on=date(2017, 6, 20),
            indicator=Indicator(
                "Innovative SMEs collaborating with others",
                9.6,
                "% of SMEs",
                2016,
                11.2,
                "EU-28 average",
            ),
            links=(Link("bottleneck", "B3"),),
        ),
        EvidenceSpec(
            "E4",
            EvidenceKind.WORKSHOP,
            "Monitoring workshop with the strategy's steering committee",
            "EOCIC workshop report, June 2018",
            excerpt="Participants could name no outcome indicator with a baseline value.",
            links=(Link("bottleneck", "B2"), Link("recommendation", "R2")),
        ),
        EvidenceSpec(
            "E5",
            EvidenceKind.INDICATOR,
            "Venture capital investment",
            "Eurostat",
            url="https://ec.europa.eu/eurostat",
            published_on=date(2017, 10, 2),
            indicator=Indicator(
                "Venture capital investment", 0.041, "% of GDP", 2016, 0.036, "EU-28 average"
            ),
            links=(
                Link("bottleneck", "B4", Relation.CONTRADICTS, "Above the EU average for 3 years."),
            ),
        ),
    ),
    recommendations=(
        RecommendationSpec(
            code="R1",
            title="Give one steering body the mandate to arbitrate between priority domains",
            description=(
                "Turn the steering committee into a board that reviews each domain yearly and "
                "may shift up to a fifth of the domain budgets between them."
            ),
            benefits_costs=(
                "Faster, evidence-based choices; costs are a small secretariat and a yearly "
                "review cycle."
            ),
            risks="Domains that lose funds may contest the board's legitimacy.",
            responsible_actor="Walloon Government (Minister for Economy)",
            instrument=Instrument.GOVERNANCE,
            priority=Priority.HIGH,
            horizon=Horizon.SHORT,
            addresses=("B1",),
        ),
        RecommendationSpec(
            code="R2",
            title="Build an outcome-oriented monitoring framework with a 2018 baseline",
            description=(
                "Define three to five outcome indicators per domain, fix their 2018 baseline "
                "and publish a yearly dashboard."
            ),
            benefits_costs="Comparable results over time; about one analyst per year at IWEPS.",
            risks="Indicators chosen for availability rather than relevance.",
            responsible_actor="Public Service of Wallonia (economy department) with IWEPS",
            instrument=Instrument.GOVERNANCE,
            priority=Priority.HIGH,
            horizon=Horizon.MEDIUM,
            addresses=("B2",),
        ),
        RecommendationSpec(
            code="R3",
            title="Reserve a strand of cluster calls for first-time SME partners",
            description=(
                "Open a light, two-stage strand of each call where at least one partner is an "
                "SME new to cluster projects, with coaching by the cluster."
            ),
            benefits_costs="More SMEs in innovation projects; modest extra evaluation work.",
            risks="Lower average project quality in the first rounds.",
            responsible_actor="Competitiveness clusters with the regional enterprise agency",
            instrument=Instrument.FUNDING,
            priority=Priority.MEDIUM,
            horizon=Horizon.MEDIUM,
            addresses=("B3",),
        ),
    ),
    missions=(
        MissionSpec(
            kind=MissionKind.SITE_VISIT,
            title="Kick-off mission in Namur",
            start_date=date(2018, 4, 10),
            end_date=date(2018, 4, 11),
            location="Namur, Belgium",
            consultants=(ELODIE, KATRIN),
            participants_count=18,
            organisations=("Public Service of Wallonia", "IWEPS", "Six competitiveness clusters"),
            summary="Presented the method; interviewed the domain coordinators.",
            outcomes="Agreed the three challenges and the list of interviewees.",
            follow_up="Secretariat to send the monitoring reports of the last three years.",
        ),
        MissionSpec(
            kind=MissionKind.WORKSHOP,
            title="Monitoring workshop with the steering committee",
            start_date=date(2018, 6, 14),
            location="Namur, Belgium",
            consultants=(KATRIN,),
            participants_count=24,
            organisations=("Steering committee members", "IWEPS", "Walloon enterprise agency"),
            summary="Reviewed the current indicators against the strategy's objectives.",
            outcomes="Confirmed the lack of outcome indicators and baselines.",
            follow_up="Draft outcome indicators for two pilot domains.",
        ),
        MissionSpec(
            kind=MissionKind.REMOTE_MEETING,
            title="Recommendations review with the minister's cabinet",
            start_date=date(2019, 1, 22),
            consultants=(ELODIE,),
            participants_count=5,
            organisations=("Cabinet of the Minister for Economy",),
            summary="Walked through the three recommendation cards.",
            outcomes="Cabinet supports R1 and R2; R3 to be discussed with the clusters.",
        ),
        MissionSpec(
            kind=MissionKind.WORKSHOP,
            title="Presentation of the policy briefing to the steering committee",
            start_date=date(2019, 5, 28),
            location="Namur, Belgium",
            consultants=(ELODIE, KATRIN),
            participants_count=21,
            organisations=("Steering committee members", "Cabinet of the Minister for Economy"),
            summary="Presented the published briefing and its three recommendations.",
            outcomes="Committee asks for a yearly follow-up review with the observatory.",
            follow_up="Region to send its formal response to each recommendation.",
        ),
        MissionSpec(
            kind=MissionKind.REMOTE_MEETING,
            title="Follow-up call with IWEPS on the outcome indicators",
            start_date=date(2020, 2, 6),
            consultants=(KATRIN,),
            participants_count=4,
            organisations=("IWEPS",),
            summary="Reviewed the baselines of the two pilot domains.",
            outcomes="Method agreed for the four other domains.",
        ),
        MissionSpec(
            kind=MissionKind.WORKSHOP,
            title="Yearly follow-up review with the strategy board",
            start_date=days_ago(36),
            location="Namur, Belgium",
            consultants=(ELODIE, KATRIN),
            participants_count=16,
            organisations=("Strategy board members", "IWEPS", "Walloon enterprise agency"),
            summary="Went through the dashboard and the updates on R1-R3 with the board.",
            outcomes="Disagreement on R1 noted: the board's mandate is not yet in the decree.",
            follow_up="Mid-term review of the results framework before the next call.",
        ),
    ),
    milestones=(
        MilestoneSpec("Scoping note agreed", date(2018, 3, 30), date(2018, 3, 28)),
        MilestoneSpec("Diagnosis report delivered", date(2018, 9, 30), date(2018, 10, 2)),
        MilestoneSpec("Policy briefing submitted", date(2019, 3, 15), date(2019, 3, 14)),
        MilestoneSpec(
            "Final presentation to the steering committee", date(2019, 5, 31), date(2019, 5, 28)
        ),
        MilestoneSpec("First outcome dashboard published", date(2020, 11, 30), date(2020, 12, 9)),
        MilestoneSpec("Yearly follow-up review", days_ago(40), days_ago(36)),
        MilestoneSpec("Mid-term review of the results framework", days_ahead(75)),
    ),
    follow_up=WALLONIA_FOLLOW_UP,
)

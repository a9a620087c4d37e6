"""Slovenia (SI): monitoring the strategic research and innovation partnerships (SRIPs).
Phase: diagnosis. Illustrative content."""

from datetime import UTC, date, datetime

from app.seed.demo_data.reference import JONAS, KATRIN
from app.seed.demo_data.specs import (
    BottleneckSpec,
    ChallengeSpec,
    EngagementSpec,
    EvidenceSpec,
    Indicator,
    Link,
    MilestoneSpec,
    MissionSpec,
    Step,
)
from app.vocab import (
    BottleneckStatus,
    EvidenceKind,
    FrameworkCondition,
    MissionKind,
    Objective,
    Phase,
    Relation,
    Theme,
)

SLOVENIA = EngagementSpec(
    reference="EOCIC-2018-SI",
    title="Monitoring Slovenia's strategic research and innovation partnerships (SRIPs)",
    summary=(
        "Slovenia organises its smart specialisation strategy around nine strategic research "
        "and innovation partnerships. The government asked for help in designing how their "
        "performance is followed, so that funding after 2020 can depend on results."
    ),
    created_at=datetime(2018, 6, 11, 10, 0, tzinfo=UTC),
    region="SI",
    lead=KATRIN,
    members=(JONAS,),
    themes=(Theme.KETS, Theme.RESOURCE_EFFICIENCY),
    objectives=(Objective.EMERGING_INDUSTRIES, Objective.INTERREGIONAL_COLLABORATION),
    planned_start=date(2018, 7, 1),
    planned_end=date(2019, 9, 30),
    steps=(
        Step(
            Phase.DIAGNOSIS,
            datetime(2018, 9, 3, 11, 30, tzinfo=UTC),
            "Scope confirmed with the government office; all nine SRIPs take part.",
        ),
    ),
    challenges=(
        ChallengeSpec(
            "C1",
            "Showing what the SRIPs deliver",
            "The partnerships report many activities, but results are hard to compare.",
            1,
        ),
        ChallengeSpec(
            "C2",
            "Keeping business engaged after the start-up funding ends",
            "Public co-funding of the partnership offices runs out in 2020.",
            2,
        ),
    ),
    bottlenecks=(
        BottleneckSpec(
            "B1",
            "SRIP reporting describes activities, not results",
            "Each partnership reports in its own format; none sets targets.",
            FrameworkCondition.QUALITY_OF_GOVERNANCE,
            3,
            BottleneckStatus.HYPOTHESIS,
            "C1",
        ),
        BottleneckSpec(
            "B2",
            "Business contributions depend on public co-funding",
            "Membership fees cover a small share of the partnership offices' costs.",
            FrameworkCondition.ACCESS_TO_FINANCE,
            3,
            BottleneckStatus.HYPOTHESIS,
            "C2",
        ),
    ),
    evidence=(
        EvidenceSpec(
            "E1",
            EvidenceKind.PUBLICATION,
            "Slovenian smart specialisation strategy (S4)",
            "Government Office for Development and European Cohesion Policy",
            url="https://www.gov.si/",
            published_on=date(2015, 9, 18),
            excerpt="Sets out the partnerships' role but no indicators for their own work.",
            links=(Link("challenge", "C1", Relation.CONTEXT), Link("bottleneck", "B1")),
        ),
        EvidenceSpec(
            "E2",
            EvidenceKind.INDICATOR,
            "Business enterprise expenditure on R&D",
            "Statistical Office of the Republic of Slovenia",
            url="https://www.stat.si/",
            published_on=date(2017, 11, 30),
            indicator=Indicator(
                "Business enterprise R&D expenditure",
                1.49,
                "% of GDP",
                2016,
                1.31,
                "EU-28 average",
            ),
            links=(Link("challenge", "C2", Relation.CONTEXT),),
        ),
    ),
    missions=(
        MissionSpec(
            kind=MissionKind.INTERVIEWS,
            title="Interviews with the nine SRIP offices",
            start_date=date(2018, 9, 18),
            end_date=date(2018, 9, 20),
            location="Ljubljana, Slovenia",
            consultants=(KATRIN, JONAS),
            participants_count=21,
            organisations=("Nine SRIP offices", "Ministry of Economic Development and Technology"),
            summary="Collected the partnerships' reports and their view of good monitoring.",
            outcomes="Two bottleneck hypotheses to test with the ministry's data.",
            follow_up="Ministry to share the partnerships' 2017 financial reports.",
        ),
    ),
    milestones=(
        MilestoneSpec("Scoping note agreed", date(2018, 8, 31), date(2018, 8, 29)),
        MilestoneSpec("Diagnosis workshop with the SRIP managers", date(2019, 1, 31)),
    ),
)

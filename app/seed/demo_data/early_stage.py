"""Two engagements early in the workflow: Lithuania (LT), on hold during diagnosis, and
Cantabria (ES13), still in scoping. Illustrative content."""

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

LITHUANIA = EngagementSpec(
    reference="EOCIC-2018-LT",
    title="Cluster support for the digitisation of Lithuanian industry",
    summary=(
        "The ministry of economy asked how its cluster programme could help manufacturing SMEs "
        "adopt digital technologies. Work paused in March 2019 while the ministry redesigns the "
        "programme; it resumes in diagnosis."
    ),
    created_at=datetime(2018, 11, 5, 8, 0, tzinfo=UTC),
    region="LT",
    lead=JONAS,
    members=(KATRIN,),
    themes=(Theme.DIGITALISATION,),
    objectives=(Objective.INDUSTRIAL_MODERNISATION,),
    planned_start=date(2018, 12, 1),
    planned_end=date(2019, 10, 31),
    steps=(
        Step(Phase.DIAGNOSIS, datetime(2019, 1, 14, 9, 45, tzinfo=UTC), "Scope agreed."),
        Step(
            Phase.ON_HOLD,
            datetime(2019, 3, 4, 13, 20, tzinfo=UTC),
            "Paused at the ministry's request while the cluster programme is redesigned.",
        ),
    ),
    challenges=(
        ChallengeSpec(
            "C1",
            "Clusters are small and loosely connected to manufacturing",
            "Most clusters have fewer than thirty members and little industrial presence.",
            1,
        ),
    ),
    bottlenecks=(
        BottleneckSpec(
            "B1",
            "Cluster funding rewards events rather than services to firms",
            "To be checked against the programme's eligible cost rules.",
            FrameworkCondition.QUALITY_OF_GOVERNANCE,
            3,
            BottleneckStatus.HYPOTHESIS,
            "C1",
        ),
    ),
    evidence=(
        EvidenceSpec(
            "E1",
            EvidenceKind.INDICATOR,
            "Enterprises with a high level of digital intensity",
            "Statistics Lithuania",
            url="https://osp.stat.gov.lt/",
            published_on=date(2018, 12, 17),
            indicator=Indicator(
                "Enterprises with high digital intensity",
                18.0,
                "% of enterprises",
                2018,
                21.0,
                "EU-28 average",
            ),
            links=(Link("challenge", "C1", Relation.CONTEXT),),
        ),
    ),
    missions=(
        MissionSpec(
            kind=MissionKind.INTERVIEWS,
            title="Interviews with cluster coordinators and the ministry",
            start_date=date(2019, 2, 5),
            end_date=date(2019, 2, 6),
            location="Vilnius, Lithuania",
            consultants=(JONAS,),
            participants_count=12,
            organisations=("Ministry of Economy and Innovation", "Eight cluster organisations"),
            summary="First round of interviews on the programme and cluster services.",
            outcomes="One bottleneck hypothesis; programme redesign announced.",
            follow_up="Resume once the new programme's outline is known.",
        ),
    ),
    milestones=(
        MilestoneSpec("Scoping note agreed", date(2018, 12, 21), date(2018, 12, 20)),
        MilestoneSpec("Diagnosis workshop", date(2019, 4, 30)),
    ),
)

CANTABRIA = EngagementSpec(
    reference="EOCIC-2019-ES13",
    title="Scoping cluster support for Cantabria's industrial transition",
    summary=(
        "Cantabria asked the observatory to help it decide where cluster policy could support "
        "the transition of its metal and agrofood industries. The scope is being agreed."
    ),
    created_at=datetime(2019, 2, 18, 10, 30, tzinfo=UTC),
    region="ES13",
    lead=TOMAS,
    members=(),
    themes=(Theme.RESOURCE_EFFICIENCY, Theme.ENTREPRENEURSHIP),
    objectives=(Objective.INDUSTRIAL_MODERNISATION,),
    planned_start=date(2019, 3, 1),
    planned_end=date(2019, 12, 20),
    missions=(
        MissionSpec(
            kind=MissionKind.REMOTE_MEETING,
            title="Scoping call with the regional development agency",
            start_date=date(2019, 2, 26),
            consultants=(TOMAS,),
            participants_count=4,
            organisations=("Regional development agency of Cantabria",),
            summary="Expectations, timetable and the people to meet.",
            follow_up="Agency to propose dates for a first visit in Santander.",
        ),
    ),
    milestones=(MilestoneSpec("Scoping note agreed", date(2019, 3, 29)),),
)

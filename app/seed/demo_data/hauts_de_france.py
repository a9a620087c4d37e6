"""Hauts-de-France (FRE): adapting clusters to skills gaps. Phase: reporting, resumed after a
pause (its briefing is not published yet). Illustrative content."""

from datetime import UTC, date, datetime

from app.seed.demo_data.reference import ELODIE, TOMAS
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

HAUTS_DE_FRANCE = EngagementSpec(
    reference="EOCIC-2018-FRE",
    title="Adapting clusters to the skills gaps of Hauts-de-France's industries",
    summary=(
        "The region wants its clusters to help firms recruit and retrain for automated and "
        "digital production. The engagement maps the skills gaps reported by cluster members and "
        "the place clusters could take between firms, training providers and the employment "
        "service."
    ),
    created_at=datetime(2018, 5, 3, 8, 45, tzinfo=UTC),
    region="FRE",
    lead=TOMAS,
    members=(ELODIE,),
    themes=(Theme.DIGITALISATION, Theme.SERVICE_INNOVATION),
    objectives=(Objective.INDUSTRIAL_MODERNISATION,),
    planned_start=date(2018, 5, 15),
    planned_end=date(2019, 7, 31),
    steps=(
        Step(Phase.DIAGNOSIS, datetime(2018, 6, 25, 13, 0, tzinfo=UTC), "Two challenges agreed."),
        Step(
            Phase.RECOMMENDATIONS,
            datetime(2018, 12, 10, 9, 20, tzinfo=UTC),
            "Survey results confirm the training and governance bottlenecks.",
        ),
        Step(
            Phase.REPORTING,
            datetime(2019, 3, 11, 14, 0, tzinfo=UTC),
            "Cards reviewed by the region; drafting the policy briefing.",
        ),
        Step(
            Phase.ON_HOLD,
            datetime(2019, 6, 17, 11, 0, tzinfo=UTC),
            "The region asks to wait for its next training and career guidance contract.",
        ),
        Step(
            Phase.REPORTING,
            days_ago(100),
            "Resumed: the briefing is brought in line with the region's new skills contract.",
        ),
    ),
    challenges=(
        ChallengeSpec(
            "C1",
            "Shortages in industrial and digital occupations",
            "Maintenance technicians, robotics operators and data profiles are hard to recruit.",
            1,
        ),
        ChallengeSpec(
            "C2",
            "Clusters play little part in workforce development",
            "Clusters run innovation projects but leave skills to sector bodies and the region.",
            2,
        ),
    ),
    bottlenecks=(
        BottleneckSpec(
            "B1",
            "Training supply lags behind automation and digital skill needs",
            "Vocational curricula take two to three years to change; firms need months.",
            FrameworkCondition.KNOWLEDGE_SKILLS,
            4,
            BottleneckStatus.CONFIRMED,
            "C1",
        ),
        BottleneckSpec(
            "B2",
            "Clusters have neither the mandate nor the staff to act on skills",
            "Cluster contracts with the region exclude skills activities from eligible costs.",
            FrameworkCondition.QUALITY_OF_GOVERNANCE,
            3,
            BottleneckStatus.CONFIRMED,
            "C2",
        ),
        BottleneckSpec(
            "B3",
            "Industrial careers do not attract young people",
            "Suggested by cluster managers; still to be checked against enrolment data.",
            FrameworkCondition.KNOWLEDGE_SKILLS,
            3,
            BottleneckStatus.HYPOTHESIS,
            "C1",
        ),
    ),
    evidence=(
        EvidenceSpec(
            "E1",
            EvidenceKind.INDICATOR,
            "Tertiary educational attainment, age group 25-34",
            "Eurostat, regional education statistics",
            url="https://ec.europa.eu/eurostat",
            published_on=date(2018, 4, 26),
            indicator=Indicator(
                "Tertiary educational attainment (25-34)",
                38.4,
                "% of age group",
                2017,
                39.9,
                "EU-28 average",
            ),
            links=(Link("bottleneck", "B1", note="Below both the EU and the French averages."),),
        ),
        EvidenceSpec(
            "E2",
            EvidenceKind.SURVEY,
            "Recruitment survey of cluster member firms",
            "EOCIC survey of 212 firms in five clusters, September 2018",
            published_on=date(2018, 10, 8),
            excerpt="61% of respondents had a technical post open for more than six months.",
            links=(Link("bottleneck", "B1"), Link("challenge", "C1", Relation.CONTEXT)),
        ),
        EvidenceSpec(
            "E3",
            EvidenceKind.PUBLICATION,
            "Regional contract for training and career guidance 2017-2022",
            "Région Hauts-de-France",
            url="https://www.hautsdefrance.fr/",
            published_on=date(2017, 12, 14),
            excerpt="Clusters are not among the bodies the contract gives a role in planning.",
            links=(Link("bottleneck", "B2"),),
        ),
        EvidenceSpec(
            "E4",
            EvidenceKind.INDICATOR,
            "Employment in high-tech and medium-high-tech manufacturing",
            "Eurostat, high-tech industry statistics",
            url="https://ec.europa.eu/eurostat",
            published_on=date(2018, 5, 30),
            indicator=Indicator(
                "Employment in high- and medium-high-tech manufacturing",
                5.1,
                "% of total employment",
                2017,
                5.7,
                "EU-28 average",
            ),
            links=(Link("challenge", "C1", Relation.CONTEXT),),
        ),
        EvidenceSpec(
            "E5",
            EvidenceKind.INTERVIEW,
            "Interviews with cluster managers on their skills activities",
            "EOCIC mission notes, June 2018",
            excerpt="Skills projects are done unpaid, on top of the innovation work programme.",
            links=(Link("bottleneck", "B2"), Link("bottleneck", "B3", Relation.CONTEXT)),
        ),
    ),
    recommendations=(
        RecommendationSpec(
            code="R1",
            title="Make skills a funded task of the clusters' contracts with the region",
            description=(
                "Add a skills strand to the multi-annual contracts so that each cluster can "
                "employ a skills officer and run a yearly needs survey with its members."
            ),
            benefits_costs=(
                "Earlier signals of skill needs; about one full-time post per cluster."
            ),
            risks="Overlap with the sector skills bodies unless roles are agreed in writing.",
            responsible_actor="Région Hauts-de-France (economic development directorate)",
            instrument=Instrument.SKILLS,
            priority=Priority.HIGH,
            horizon=Horizon.SHORT,
            addresses=("B2", "B1"),
        ),
        RecommendationSpec(
            code="R2",
            title="Co-design short training modules with vocational schools and clusters",
            description=(
                "Fund modules of 40 to 120 hours, designed with cluster firms and certified by "
                "the vocational schools, for automation and data skills."
            ),
            benefits_costs="Training that follows demand; costs shared with the training fund.",
            risks="Firms may not release staff for training in busy periods.",
            responsible_actor="Regional vocational training service with the clusters",
            instrument=Instrument.SKILLS,
            priority=Priority.MEDIUM,
            horizon=Horizon.MEDIUM,
            addresses=("B1",),
        ),
    ),
    missions=(
        MissionSpec(
            kind=MissionKind.INTERVIEWS,
            title="Interviews with cluster managers in Lille",
            start_date=date(2018, 6, 5),
            end_date=date(2018, 6, 6),
            location="Lille, France",
            consultants=(TOMAS, ELODIE),
            participants_count=11,
            organisations=("Five regional clusters", "Région Hauts-de-France"),
            summary="Individual interviews on skills activities and needs.",
            outcomes="Designed the member survey with the cluster managers.",
            follow_up="Clusters to circulate the survey in September.",
        ),
        MissionSpec(
            kind=MissionKind.WORKSHOP,
            title="Skills workshop with firms and training providers",
            start_date=date(2018, 11, 20),
            location="Amiens, France",
            consultants=(TOMAS,),
            participants_count=32,
            organisations=("Cluster member firms", "Vocational schools", "Employment service"),
            summary="Presented the survey results and tested the first ideas for action.",
            outcomes="Broad support for a funded skills role in the clusters.",
            follow_up="Draft recommendation cards for the region's review in January.",
        ),
        MissionSpec(
            kind=MissionKind.REMOTE_MEETING,
            title="Briefing review with the economic development directorate",
            start_date=days_ago(30),
            consultants=(TOMAS, ELODIE),
            participants_count=6,
            organisations=("Région Hauts-de-France (economic development directorate)",),
            summary="Went through the draft briefing against the region's new skills contract.",
            outcomes="Cards still hold; R1 to name the new contract as its funding source.",
            follow_up="Final draft to the region ahead of the publication date.",
        ),
    ),
    milestones=(
        MilestoneSpec("Scoping note agreed", date(2018, 6, 15), date(2018, 6, 20)),
        MilestoneSpec("Member survey closed", date(2018, 9, 30), date(2018, 9, 28)),
        MilestoneSpec(
            "Recommendation cards reviewed by the region", date(2019, 2, 28), date(2019, 3, 8)
        ),
        MilestoneSpec("Policy briefing published", days_ahead(45)),
    ),
)

"""AdPack (ESCP-4i): support for the partnership's internationalisation strategy. Phase:
follow_up (the follow-up itself is in follow_up.py). Illustrative content."""

from datetime import UTC, date, datetime

from app.seed.demo_data.follow_up import ADPACK_FOLLOW_UP
from app.seed.demo_data.reference import ELODIE, TOMAS
from app.seed.demo_data.specs import (
    BottleneckSpec,
    ChallengeSpec,
    EngagementSpec,
    EvidenceSpec,
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
    Stage,
    Theme,
)

ADPACK = EngagementSpec(
    reference="EOCIC-2018-ADPACK",
    title="An internationalisation strategy for the AdPack partnership",
    summary=(
        "AdPack's five packaging clusters want to take smart and active packaging solutions of "
        "their SMEs to markets outside Europe. The observatory supports the partnership in "
        "choosing target markets and organising joint actions."
    ),
    created_at=datetime(2018, 9, 10, 9, 0, tzinfo=UTC),
    partnership="AdPack",
    lead=ELODIE,
    members=(TOMAS,),
    themes=(Theme.KETS, Theme.RESOURCE_EFFICIENCY),
    objectives=(Objective.SME_INTERNATIONALISATION, Objective.INTERREGIONAL_COLLABORATION),
    planned_start=date(2018, 9, 17),
    planned_end=date(2019, 5, 31),
    steps=(
        Step(Phase.DIAGNOSIS, datetime(2018, 10, 15, 10, 0, tzinfo=UTC), "Work plan agreed."),
        Step(
            Phase.RECOMMENDATIONS,
            datetime(2019, 1, 21, 14, 30, tzinfo=UTC),
            "Member survey and partnership meeting confirm three bottlenecks.",
        ),
        Step(
            Phase.REPORTING,
            datetime(2019, 3, 18, 11, 0, tzinfo=UTC),
            "Cards agreed with the coordinator; the Singapore office idea was dropped.",
        ),
        Step(
            Phase.FOLLOW_UP,
            datetime(2019, 5, 6, 10, 0, tzinfo=UTC),
            "Briefing sent to the boards of the five clusters; follow-up starts.",
        ),
    ),
    challenges=(
        ChallengeSpec(
            "C1",
            "Entering packaging markets outside Europe",
            "Members export within the EU; few have sold outside it.",
            1,
        ),
        ChallengeSpec(
            "C2",
            "Turning five clusters into one offer",
            "The partnership runs joint events but has no joint services yet.",
            2,
        ),
    ),
    bottlenecks=(
        BottleneckSpec(
            "B1",
            "No shared market intelligence on target markets",
            "Each cluster buys or gathers its own studies; none is shared.",
            FrameworkCondition.COLLABORATION_INTERNATIONALISATION,
            4,
            BottleneckStatus.CONFIRMED,
            "C1",
        ),
        BottleneckSpec(
            "B2",
            "Member SMEs cannot afford long-haul trade missions",
            "Travel and fair costs exceed what small firms spend on export in a year.",
            FrameworkCondition.ACCESS_TO_FINANCE,
            3,
            BottleneckStatus.CONFIRMED,
            "C1",
        ),
        BottleneckSpec(
            "B3",
            "No agreed rules for joint actions",
            "Who leads, who pays and who signs for the partnership is decided case by case.",
            FrameworkCondition.QUALITY_OF_GOVERNANCE,
            3,
            BottleneckStatus.CONFIRMED,
            "C2",
        ),
    ),
    evidence=(
        EvidenceSpec(
            "E1",
            EvidenceKind.SURVEY,
            "Export survey of AdPack member SMEs",
            "EOCIC survey of 148 member firms, November 2018",
            published_on=date(2018, 12, 3),
            excerpt="Only one firm in eight had market data on a non-European target country.",
            links=(Link("bottleneck", "B1"), Link("bottleneck", "B2")),
        ),
        EvidenceSpec(
            "E2",
            EvidenceKind.WORKSHOP,
            "AdPack partnership meeting on joint actions",
            "EOCIC workshop report, December 2018",
            excerpt="Partners agreed that the lack of written rules slowed two joint missions.",
            links=(Link("bottleneck", "B3"), Link("recommendation", "R3")),
        ),
        EvidenceSpec(
            "E3",
            EvidenceKind.PUBLICATION,
            "European Strategic Cluster Partnerships: profiles and activities",
            "European Cluster Collaboration Platform",
            url="https://www.clustercollaboration.eu/",
            published_on=date(2018, 6, 1),
            excerpt="AdPack lists two target regions but no joint service offer.",
            links=(Link("challenge", "C2", Relation.CONTEXT),),
        ),
        EvidenceSpec(
            "E4",
            EvidenceKind.INTERVIEW,
            "Interviews with the five cluster managers",
            "EOCIC mission notes, October 2018",
            excerpt="Each manager named a different first target market.",
            links=(Link("bottleneck", "B1"), Link("challenge", "C1", Relation.CONTEXT)),
        ),
    ),
    recommendations=(
        RecommendationSpec(
            code="R1",
            title="Pool market intelligence on two agreed target markets",
            description=(
                "Agree on two target markets for 2019-2020 and commission one shared study per "
                "market, available to all members of the five clusters."
            ),
            benefits_costs="One study instead of five; costs shared by the five clusters.",
            risks="Choosing two markets may leave some clusters' priorities out.",
            responsible_actor="AdPack coordinator with the five cluster managers",
            instrument=Instrument.INTERNATIONALISATION,
            priority=Priority.HIGH,
            horizon=Horizon.SHORT,
            addresses=("B1",),
        ),
        RecommendationSpec(
            code="R2",
            title="Co-fund SME places on joint missions through European cluster programmes",
            description=(
                "Use the partnership's internationalisation budget to cover part of the travel "
                "and fair costs of first-time SME participants in joint missions."
            ),
            benefits_costs="More SMEs abroad at lower cost each; needs a small grant scheme.",
            risks="Support may go to firms that would have travelled anyway.",
            responsible_actor="AdPack coordinator",
            instrument=Instrument.FUNDING,
            priority=Priority.MEDIUM,
            horizon=Horizon.SHORT,
            addresses=("B2",),
        ),
        RecommendationSpec(
            code="R3",
            title="Sign a partnership agreement with a rotating chair",
            description=(
                "Write down how joint actions are proposed, led, paid for and signed, with a "
                "chair that rotates yearly between the clusters."
            ),
            benefits_costs="Faster joint actions; a few days of legal work.",
            risks="A rigid agreement could deter new partners from joining.",
            responsible_actor="Boards of the five partner clusters",
            instrument=Instrument.GOVERNANCE,
            priority=Priority.MEDIUM,
            horizon=Horizon.SHORT,
            addresses=("B3",),
        ),
        RecommendationSpec(
            code="R4",
            title="Open a joint representative office in South-East Asia",
            description="A shared desk hosted by a trade promotion agency in the region.",
            benefits_costs="Permanent presence; high fixed cost for an uncertain market.",
            risks="Too early before the target markets are agreed.",
            responsible_actor="AdPack coordinator",
            instrument=Instrument.INTERNATIONALISATION,
            priority=Priority.LOW,
            horizon=Horizon.LONG,
            addresses=("B1",),
            stage=Stage.WITHDRAWN,
        ),
    ),
    missions=(
        MissionSpec(
            kind=MissionKind.INTERVIEWS,
            title="Interviews with the five cluster managers",
            start_date=date(2018, 10, 22),
            end_date=date(2018, 10, 26),
            location="Remote and on site in Lyon",
            consultants=(ELODIE,),
            participants_count=9,
            organisations=("Five AdPack partner clusters",),
            summary="Export experience, target markets and joint actions so far.",
            outcomes="Survey questionnaire agreed with the coordinator.",
        ),
        MissionSpec(
            kind=MissionKind.WORKSHOP,
            title="Partnership meeting on joint actions",
            start_date=date(2018, 12, 11),
            end_date=date(2018, 12, 12),
            location="Brussels, Belgium",
            consultants=(ELODIE, TOMAS),
            participants_count=19,
            organisations=("Five AdPack partner clusters", "European Commission (DG GROW)"),
            summary="Presented the survey; discussed markets and rules for joint actions.",
            outcomes="Two candidate markets; mandate to draft a partnership agreement.",
            follow_up="Coordinator to circulate a draft agreement by February.",
        ),
        MissionSpec(
            kind=MissionKind.REMOTE_MEETING,
            title="Follow-up meeting with the five cluster managers",
            start_date=date(2019, 11, 14),
            consultants=(ELODIE, TOMAS),
            participants_count=7,
            organisations=("Five AdPack partner clusters",),
            summary="Progress on the market studies, the co-funding scheme and the agreement.",
            outcomes="Studies on track; the draft agreement has not reached the boards.",
            follow_up="Coordinator to put the agreement on the boards' agendas.",
        ),
        MissionSpec(
            kind=MissionKind.REMOTE_MEETING,
            title="Follow-up call with the coordinator",
            start_date=days_ago(21),
            consultants=(TOMAS,),
            participants_count=2,
            organisations=("AdPack coordinator",),
            summary="Updates on R1-R3 and the indicators.",
            outcomes="R3 still without an answer from the partnership.",
            follow_up="Observatory to send the boards a one-page note on R3.",
        ),
    ),
    milestones=(
        MilestoneSpec("Work plan agreed", date(2018, 10, 12), date(2018, 10, 12)),
        MilestoneSpec("Member survey closed", date(2018, 11, 30), date(2018, 11, 30)),
        MilestoneSpec("Strategy briefing delivered", date(2019, 4, 30), date(2019, 4, 26)),
        # Overdue, and meant to be: the portfolio flags AdPack for it.
        MilestoneSpec("Partnership agreement signed by the five boards", date(2019, 12, 31)),
        MilestoneSpec("Joint mission to the second target market", days_ahead(50)),
    ),
    follow_up=ADPACK_FOLLOW_UP,
)

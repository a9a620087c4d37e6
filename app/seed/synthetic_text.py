"""The vocabulary of the synthetic portfolio (app/seed/synthetic.py): reference data and
policy phrases that are combined at random into realistic-looking, plainly generated text, so
that full-text search and the list's `q` have something to find. Nothing here is real content.
"""

from random import Random

from app.vocab import FrameworkCondition, Instrument

# NUTS code, name (the country is the code's first two letters; the length gives the level).
REGIONS = """
ES13 Cantabria; ES21 País Vasco; ES51 Cataluña; ES61 Andalucía; BE2 Vlaams Gewest
BE3 Région wallonne; LT Lithuania; SI Slovenia; EE Estonia; LV Latvia; CY Cyprus; MT Malta
PL22 Śląskie; PL41 Wielkopolskie; PL63 Pomorskie; ITC1 Piemonte; ITC4 Lombardia
ITH5 Emilia-Romagna; ITF3 Campania; FRK2 Rhône-Alpes; FRI1 Aquitaine; FRB0 Centre-Val de Loire
FRE Hauts-de-France; DE11 Stuttgart; DE21 Oberbayern; DEA1 Düsseldorf; DED Sachsen
NL41 Noord-Brabant; PT11 Norte; PT16 Centro; RO11 Nord-Vest; HU10 Közép-Magyarország
CZ06 Jihovýchod; SK02 Západné Slovensko; SE31 Norra Mellansverige; FI1D Pohjois- ja Itä-Suomi
AT31 Oberösterreich; DK03 Syddanmark; IE06 Eastern and Midland; EL30 Attiki
"""
# Acronym, kind, countries, name.
PARTNERSHIPS = """
BLUE-INNO escp_4i ES,PT,FR,IT Blue economy innovation partnership
MEDTECH-X escp_4x DE,NL,BE,DK Medical technologies going international
AERO-S3 escp_s3 FR,DE,ES,PL Aerospace supply chains for smart specialisation
TEXTILE-4I escp_4i IT,PT,RO,ES Smart and sustainable textiles
BATT-EU escp_s3 SE,FI,DE,PL Battery materials value chain
CIRCULAR-BUILD escp_4i DK,NL,AT,EE Circular construction clusters
PHOTON-GO escp_4x DE,FR,LT,IE Photonics clusters going global
FOOD-SCALE escp_4i FR,ES,IT,EL Agrofood scale-up partnership
WOOD-4X escp_4x AT,FI,SE,SI Wood and furniture clusters going international
HEALTH-DIGI escp_s3 BE,NL,EE,CZ Digital health interregional partnership
"""
CONSULTANTS = """
Ana García, Jonas Petraitis, Claire Dubois, Marco Rossi, Eva Novak, Piotr Kowalski,
Sofia Almeida, Lukas Bauer, Ingrid Jansen, Nikos Papadopoulos, Mária Horváth, Tomás Dvořák,
Elena Popescu, Kristjan Tamm, Laura Vella, Andrej Kranjc, Maeve Byrne, Olof Lindqvist,
Chiara Bianchi, Hugo Lefèvre, Katrin Vogel, Pablo Ortega, Aino Virtanen, Jan de Vries,
Zofia Nowak, Rui Costa, Ilse Maes, Dario Conti, Helena Svoboda, Mateus Ferreira
"""

SECTORS = (
    "agrofood", "automotive", "photonics", "smart packaging", "blue economy",
    "medical technologies", "textiles", "aerospace", "circular construction", "digital health",
    "battery materials", "creative industries", "sustainable tourism", "renewable energy",
    "microelectronics", "wood and furniture", "specialty chemicals", "logistics",
    "mechanical engineering", "bioeconomy",
)  # fmt: skip
ACTORS = (
    "Regional ministry of economy", "Regional development agency",
    "Cluster management organisation", "Chamber of commerce and industry",
    "Managing authority of the ERDF programme", "Regional innovation agency",
    "University technology transfer office", "National export promotion agency",
    "Regional investment fund", "Vocational training council",
)  # fmt: skip
ACTIONS = (
    "Create", "Launch", "Pilot", "Scale up", "Reform", "Streamline", "Establish", "Co-fund",
    "Strengthen", "Align",
)  # fmt: skip
OBJECTS: dict[Instrument, tuple[str, ...]] = {
    Instrument.FUNDING: (
        "a cluster voucher scheme", "a seed co-investment fund", "innovation vouchers for SMEs",
        "a proof-of-concept grant", "a regional guarantee facility",
    ),
    Instrument.REGULATION: (
        "public procurement of innovation", "a regulatory sandbox",
        "simplified state aid rules", "fast-track permitting for pilot plants",
    ),
    Instrument.GOVERNANCE: (
        "a smart specialisation steering group", "an entrepreneurial discovery process",
        "a cluster policy monitoring framework", "a single contact point for cluster support",
    ),
    Instrument.NETWORK: (
        "a cross-cluster collaboration platform", "interregional value chain partnerships",
        "a cluster excellence network", "a matchmaking programme with large firms",
    ),
    Instrument.SKILLS: (
        "a digital skills academy", "an industrial doctorate programme",
        "dual vocational training", "a talent attraction scheme",
    ),
    Instrument.INFRASTRUCTURE: (
        "a shared testing and demonstration facility", "a digital innovation hub",
        "a pilot production line", "a regional data space",
    ),
    Instrument.INTERNATIONALISATION: (
        "a joint export mission programme", "a soft-landing scheme for foreign start-ups",
        "an international cluster branding campaign", "a presence in European cluster partnerships",
    ),
    Instrument.OTHER: (
        "a cluster observatory", "a technology foresight exercise",
        "an awareness campaign on industrial modernisation",
    ),
}  # fmt: skip
BENEFICIARIES = (
    "manufacturing SMEs", "start-ups and scale-ups", "cluster members", "young researchers",
    "traditional industries", "first-time exporters",
)  # fmt: skip
GOALS = (
    "adopt key enabling technologies", "access risk finance", "enter new export markets",
    "develop new products and services", "upgrade their digital capabilities",
    "cooperate across sectors", "reduce energy and material use", "recruit skilled staff",
)  # fmt: skip
# Per framework condition: (a bottleneck title, the problem as a clause).
PROBLEMS: dict[FrameworkCondition, tuple[tuple[str, str], ...]] = {
    FrameworkCondition.KNOWLEDGE_SKILLS: (
        (
            "Shortage of engineers and technicians",
            "firms report persistent shortages of engineers and technicians",
        ),
        (
            "Weak university-industry cooperation",
            "universities and SMEs rarely cooperate on applied research",
        ),
    ),
    FrameworkCondition.ACCESS_TO_FINANCE: (
        (
            "Equity gap beyond the seed stage",
            "early-stage firms struggle to raise equity beyond the seed stage",
        ),
        (
            "Banks avoid cluster projects",
            "banks see collaborative cluster projects as too risky to lend to",
        ),
    ),
    FrameworkCondition.COLLABORATION_INTERNATIONALISATION: (
        (
            "Few interregional projects",
            "few cluster members take part in interregional projects",
        ),
        (
            "Exports concentrated in large firms",
            "export activity is concentrated in a handful of large firms",
        ),
    ),
    FrameworkCondition.DEMAND_CONDITIONS: (
        (
            "Public buyers do not ask for innovation",
            "public buyers rarely ask for innovative solutions",
        ),
        (
            "Weak local demand for advanced products",
            "local demand for advanced products remains weak",
        ),
    ),
    FrameworkCondition.ENTREPRENEURIAL_CONDITIONS: (
        (
            "Administrative burden on new ventures",
            "administrative procedures deter new ventures",
        ),
        (
            "Few research spin-offs",
            "spin-offs from research centres remain rare",
        ),
    ),
    FrameworkCondition.QUALITY_OF_GOVERNANCE: (
        (
            "Fragmented support programmes",
            "support programmes overlap and are hard to navigate",
        ),
        (
            "Monitoring counts outputs, not outcomes",
            "policy monitoring relies on outputs rather than outcomes",
        ),
    ),
    FrameworkCondition.OTHER: (
        (
            "Low international visibility",
            "the cluster's visibility abroad is limited",
        ),
    ),
}
CHALLENGES = (
    "Modernise the {sector} industry", "Diversify into emerging industries around {sector}",
    "Internationalise {sector} SMEs", "Connect {sector} clusters to European value chains",
    "Raise the productivity of traditional {sector} firms",
)  # fmt: skip
CONTEXTS = (
    "the ERDF operational programme", "the regional smart specialisation strategy",
    "good practice from other European regions", "the cluster organisation's member services",
    "the national recovery and resilience plan",
)  # fmt: skip
BENEFITS = (
    "more collaborative R&D projects", "faster technology uptake by SMEs",
    "new jobs in high value-added activities", "stronger links with European value chains",
    "better targeted public support",
)  # fmt: skip
RISKS = (
    "low take-up by smaller firms", "deadweight effects where firms would have invested anyway",
    "overlap with existing national schemes", "dependence on a few large companies",
    "delays in programme approval",
)  # fmt: skip
MITIGATIONS = (
    "simple application procedures", "a mid-term evaluation with clear indicators",
    "coordination with the national agency", "targeted outreach through the cluster organisation",
    "a phased launch",
)  # fmt: skip
PUBLISHERS = (
    "Eurostat", "European Cluster Collaboration Platform", "Regional Ecosystem Scoreboard",
    "OECD", "Regional statistical office", "European Innovation Scoreboard",
    "Joint Research Centre",
)  # fmt: skip
# Name, unit, typical value, EU-27 benchmark.
INDICATORS = (
    ("Employment in high-tech manufacturing", "%", 4.5, 5.8),
    ("Business R&D expenditure", "% of GDP", 0.9, 1.5),
    ("SMEs introducing product innovations", "%", 24.0, 30.0),
    ("Venture capital investment", "% of GDP", 0.04, 0.11),
    ("Tertiary education attainment", "%", 36.0, 41.0),
    ("Medium and high-tech exports", "% of exports", 48.0, 56.0),
)
MILESTONES = (
    "Kick-off meeting", "Inception report", "Diagnosis workshop", "Draft recommendations",
    "Policy briefing", "Final presentation", "Follow-up review",
)  # fmt: skip
ORGANISATIONS = (
    "regional development agency", "cluster organisation", "chamber of commerce", "university",
    "technology centre", "regional ministry", "SME association", "investment fund",
)  # fmt: skip


def pick(rng: Random, options: tuple[str, ...]) -> str:
    return options[rng.randrange(len(options))]


def recommendation_title(rng: Random, instrument: Instrument, sector: str) -> str:
    obj = pick(rng, OBJECTS[instrument])
    return f"{pick(rng, ACTIONS)} {obj} for {sector}"


def recommendation_texts(
    rng: Random, instrument: Instrument, sector: str, problem: str, actor: str
) -> tuple[str, str, str]:
    """(description, benefits and costs, risks) of a recommendation card."""
    obj = pick(rng, OBJECTS[instrument])
    description = (
        f"The diagnosis found that {problem}. The {actor.lower()} should set up {obj} that "
        f"helps {pick(rng, BENEFICIARIES)} in the {sector} value chain to {pick(rng, GOALS)}. "
        f"It builds on {pick(rng, CONTEXTS)} and would be steered with the cluster "
        f"organisation. A first call could open within {rng.randint(3, 18)} months, with "
        f"{rng.randint(3, 25)} pilot projects in {sector} and neighbouring sectors."
    )
    benefits = (
        f"Benefits: {pick(rng, BENEFITS)} and {pick(rng, BENEFITS)}. Costs: about EUR "
        f"{rng.randint(1, 40) / 2:.1f} million over {rng.randint(2, 6)} years, co-funded by "
        f"{pick(rng, CONTEXTS)}."
    )
    risks = f"Risks: {pick(rng, RISKS)}; mitigated by {pick(rng, MITIGATIONS)}."
    return description, benefits, risks


def sentence(rng: Random, sector: str) -> str:
    """One generic sentence about the engagement's work, for notes and summaries."""
    return (
        f"Discussed {pick(rng, OBJECTS[Instrument.NETWORK])} with the {pick(rng, ORGANISATIONS)} "
        f"and {pick(rng, BENEFICIARIES)} of the {sector} cluster."
    )

"""Demo reference data: regions the observatory advised, the partnerships it supported, and
the consultants who run the engagements. Illustrative content, written for the demo.

Partnership websites use the reserved `.example` domain: the demo must not send anyone to a
real site that says something else."""

from app.seed.demo_data.specs import AccountSpec, ConsultantSpec, PartnershipSpec, RegionSpec
from app.vocab import PartnershipKind

REGIONS: tuple[RegionSpec, ...] = (
    RegionSpec("ES13", "Cantabria", "ES", 2, "Northern Spanish region; metal, agrofood, tourism."),
    RegionSpec(
        "FRB0", "Centre-Val de Loire", "FR", 2, "Cosmetics, pharmaceuticals and energy valley."
    ),
    RegionSpec("FI1D", "East and North Finland", "FI", 2, "Sparse, export-led bioeconomy."),
    RegionSpec("FRE", "Hauts-de-France", "FR", 1, "Former industrial basin; logistics, mobility."),
    RegionSpec("LT", "Lithuania", "LT", 0, "Advised at national level (ministry of economy)."),
    RegionSpec("SE31", "North-Middle Sweden", "SE", 2, "Gävleborg, Dalarna and Värmland."),
    RegionSpec("ITC1", "Piemonte", "IT", 2, "Automotive, aerospace and agrofood."),
    RegionSpec(
        "DED", "Saxony", "DE", 1, "Microelectronics, automotive and mechanical engineering."
    ),
    RegionSpec("SI", "Slovenia", "SI", 0, "Advised at national level (SRIP programme)."),
    RegionSpec("BE3", "Wallonia", "BE", 1, "Competitiveness clusters under the Marshall Plan."),
)

PARTNERSHIPS: tuple[PartnershipSpec, ...] = (
    PartnershipSpec(
        acronym="AdPack",
        name="Advanced smart packaging partnership",
        kind=PartnershipKind.ESCP_4I,
        sectors=("packaging", "printed electronics", "food and beverage"),
        coordinator="A French packaging cluster organisation",
        countries=("FR", "BE", "ES", "IT", "PL"),
        website="https://adpack.escp.example/",
        notes="Five packaging clusters working on active and intelligent packaging for SMEs.",
    ),
    PartnershipSpec(
        acronym="ECCA",
        name="European clusters for circular construction",
        kind=PartnershipKind.ESCP_4I,
        sectors=("construction", "building materials", "circular economy"),
        coordinator="A Danish construction cluster association",
        countries=("DK", "NL", "FR", "AT", "EE"),
        website="https://ecca.escp.example/",
        notes="Reuse of building materials and design for disassembly.",
    ),
    PartnershipSpec(
        acronym="LASER-GO",
        name="Laser and photonics clusters going global",
        kind=PartnershipKind.ESCP_4I,
        sectors=("photonics", "laser technologies", "advanced manufacturing"),
        coordinator="A German photonics network (registered association)",
        countries=("DE", "FR", "ES", "LT"),
        website="https://laser-go.escp.example/",
        notes="Brings laser-based production to manufacturing SMEs outside the photonics sector.",
    ),
    PartnershipSpec(
        acronym="DIGICLUSTERS",
        name="Agrofood and packaging clusters towards Industry 4.0",
        kind=PartnershipKind.ESCP_S3,
        sectors=("agrofood", "packaging", "digital technologies"),
        coordinator="A Spanish agrofood technology centre",
        countries=("ES", "IT", "PL", "SI", "FR"),
        website="https://digiclusters.escp.example/",
        notes="Joint smart specialisation investments in digital agrofood value chains.",
    ),
    PartnershipSpec(
        acronym="RECiPE4Mobility",
        name="Regional clusters for e-mobility",
        kind=PartnershipKind.ESCP_4X,
        sectors=("electric mobility", "batteries", "automotive"),
        coordinator="An Austrian automotive cluster",
        countries=("AT", "SI", "NL", "SE", "CZ"),
        website="https://recipe4mobility.escp.example/",
        notes="Cluster excellence in e-mobility supply chains and charging services.",
    ),
    PartnershipSpec(
        acronym="CELIS",
        name="Cluster excellence in life sciences",
        kind=PartnershipKind.ESCP_4X,
        sectors=("life sciences", "medical technologies", "biotechnology"),
        coordinator="A Hungarian health-industry cluster",
        countries=("HU", "SK", "DE", "PT"),
        website="https://celis.escp.example/",
        notes="Support services for cluster managers in health and life sciences.",
    ),
)

KATRIN = "katrin.vogel@clustercase.example"
TOMAS = "tomas.ibarra@clustercase.example"
ELODIE = "elodie.marchand@clustercase.example"
JONAS = "jonas.lindqvist@clustercase.example"

CONSULTANTS: tuple[ConsultantSpec, ...] = (
    ConsultantSpec(KATRIN, "Katrin Vogel"),
    ConsultantSpec(TOMAS, "Tomás Ibarra"),
    ConsultantSpec(ELODIE, "Élodie Marchand"),
    ConsultantSpec(JONAS, "Jonas Lindqvist"),
)

# One login per role for trying the system; all share DEMO_PASSWORD (demo only).
DEMO_PASSWORD = "clustercase-demo"
WALLONIA_OFFICER = "wallonia@clustercase.example"
ADPACK_OFFICER = "adpack@clustercase.example"
MONITOR = "monitor@clustercase.example"
ACCOUNTS: tuple[AccountSpec, ...] = (
    AccountSpec("admin@clustercase.example", "Demo Administrator", "admin"),
    AccountSpec(MONITOR, "Demo DG GROW Officer", "monitor"),
    AccountSpec(WALLONIA_OFFICER, "Demo Wallonia Officer", "stakeholder", region="BE3"),
    AccountSpec(ADPACK_OFFICER, "Demo AdPack Officer", "stakeholder", partnership="AdPack"),
)

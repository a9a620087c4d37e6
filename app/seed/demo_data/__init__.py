"""The illustrative demo portfolio that `clustercase seed demo` loads (app/seed/demo.py).

Modelled on the kind of work the European Observatory for Clusters and Industrial Change did
for DG GROW in 2018-19; the names of regions and partnerships are real, everything said about
them is invented for the demo."""

from app.seed.demo_data.adpack import ADPACK
from app.seed.demo_data.early_stage import CANTABRIA, LITHUANIA
from app.seed.demo_data.hauts_de_france import HAUTS_DE_FRANCE
from app.seed.demo_data.north_middle_sweden import NORTH_MIDDLE_SWEDEN
from app.seed.demo_data.reference import CONSULTANTS, PARTNERSHIPS, REGIONS
from app.seed.demo_data.slovenia import SLOVENIA
from app.seed.demo_data.specs import EngagementSpec
from app.seed.demo_data.wallonia import WALLONIA

ENGAGEMENTS: tuple[EngagementSpec, ...] = (
    WALLONIA,
    HAUTS_DE_FRANCE,
    SLOVENIA,
    NORTH_MIDDLE_SWEDEN,
    ADPACK,
    LITHUANIA,
    CANTABRIA,
)

__all__ = ["CONSULTANTS", "ENGAGEMENTS", "PARTNERSHIPS", "REGIONS"]

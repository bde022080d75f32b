# The figures editor lives in plans but chooses from neighbourhood data: share the
# fixture that imports a small area's figures.
from tests.wijkdata.conftest import area_with_figures  # noqa: F401

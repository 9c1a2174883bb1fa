"""The cluster's app signs up its buyers from one address: lift the sign-up throttle for the apps started here."""

import os

os.environ.setdefault("EVENTBOOK_REGISTER_MAX_PER_IP", "1000000")

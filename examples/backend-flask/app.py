# Cruddur's backend-flask after week 2, moved onto otlp-relay (docs/MIGRATION.md): the same layout and the
# same X-Ray SDK, but no Honeycomb exporter code, no watchtower handler, no rollbar.init and no keys.
#   - OpenTelemetry is set up by `opentelemetry-instrument` (the Dockerfile's CMD) from the standard
#     OTEL_* variables (docker-compose.yml): spans and Python log records go to the relay as OTLP.
#   - The X-Ray SDK sends its segments to AWS_XRAY_DAEMON_ADDRESS, now the relay, and asks it for
#     sampling rules, exactly as it asked the daemon.
#   - Unhandled exceptions are recorded on the request's span; the relay sends them to Rollbar.
#   - Log records go to CloudWatch Logs (and Honeycomb) through the relay.
import logging
import os

from aws_xray_sdk.core import xray_recorder
from aws_xray_sdk.ext.flask.middleware import XRayMiddleware
from flask import Flask, jsonify

from services.home_activities import HomeActivities

app = Flask(__name__)

# X-Ray, unchanged from week 2.
xray_url = os.getenv("AWS_XRAY_URL")
xray_recorder.configure(service="backend-flask", dynamic_naming=xray_url)
XRayMiddleware(app, xray_recorder)

# The watchtower handler is gone: OpenTelemetry's logging handler on the root logger sends the records.
LOGGER = logging.getLogger("backend-flask")
LOGGER.setLevel(logging.INFO)


@app.route("/api/activities/home", methods=["GET"])
def data_home():
    data = HomeActivities.run(logger=LOGGER)
    return jsonify(data), 200


@app.route("/api/fail", methods=["GET"])
def data_fail():
    # An unhandled exception: a 500, the span gets the exception, the relay makes it a Rollbar item.
    raise RuntimeError("this endpoint fails on purpose")


@app.route("/api/health-check", methods=["GET"])
def health_check():
    return {"success": True}, 200

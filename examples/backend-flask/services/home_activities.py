from datetime import datetime, timedelta, timezone

from opentelemetry import trace

tracer = trace.get_tracer("home.activities")


class HomeActivities:
    @staticmethod
    def run(logger):
        # A span of our own inside the request's span, as in week 2's Honeycomb homework.
        with tracer.start_as_current_span("home-activities-mock-data"):
            span = trace.get_current_span()
            now = datetime.now(timezone.utc).astimezone()
            span.set_attribute("app.now", now.isoformat())
            results = [
                {
                    "uuid": "68f126b0-1ceb-4a33-88be-d90fa7109eee",
                    "handle": "Andrew Brown",
                    "message": "Cloud is very fun!",
                    "created_at": (now - timedelta(days=2)).isoformat(),
                    "expires_at": (now + timedelta(days=5)).isoformat(),
                    "likes_count": 5,
                    "replies_count": 1,
                    "reposts_count": 0,
                    "replies": [],
                }
            ]
            span.set_attribute("app.result_length", len(results))
            # INFO, not ERROR: the relay sends error logs to Rollbar (week 2 logged every request at ERROR).
            logger.info("home activities served: %d", len(results))
            return results

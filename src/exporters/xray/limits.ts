/** X-Ray's documented limits, each next to the rule it comes from. */

/** https://docs.aws.amazon.com/xray/latest/api/API_PutTraceSegments.html ("Exceeding maximum segment count: 50"). */
export const MAX_DOCUMENTS_PER_CALL = 50;

/** "Segment documents can be up to 64 kB in size": https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html */
export const MAX_DOCUMENT_BYTES = 64 * 1024;

/** `name`: "up to 200 characters": https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html#api-segmentdocuments-fields */
export const MAX_NAME_CHARS = 200;

/** Everything but Unicode letters, numbers, whitespace and `_ . : / % & # = + \ - @` (same page). */
export const NOT_NAME_CHARACTER = /[^\p{L}\p{N}\s_.:/%&#=+\\\-@]/gu;

/** Annotations: "up to 50 annotations per trace": https://docs.aws.amazon.com/xray/latest/devguide/xray-sdk-go-segment.html#xray-sdk-go-segment-annotations */
export const MAX_ANNOTATIONS_PER_TRACE = 50;

/** Annotation keys: "up to 500 alphanumeric characters" (same page); underscore always, dot in current SDKs. */
export const MAX_ANNOTATION_KEY_CHARS = 500;

/** Annotation string values: "up to 1,000 Unicode characters" (same page). */
export const MAX_ANNOTATION_VALUE_CHARS = 1000;

/** Trace data is kept 30 days (https://docs.aws.amazon.com/general/latest/gr/xray.html): older ids are implausible in strict mode. */
export const MAX_TRACE_ID_AGE_SECONDS = 30 * 24 * 60 * 60;

/** Clock skew tolerated for ids from the future in strict mode (the collector's 5 minutes). */
export const MAX_TRACE_ID_SKEW_SECONDS = 5 * 60;

import { z } from 'zod';
import { defineKind } from '../../config/kind.ts';
import type { Problem } from '../../config/errors.ts';
import { MAX_ANNOTATIONS_PER_TRACE } from './limits.ts';

/**
 * The `xray` exporter's own keys. Credentials and (by default) the region come from the standard AWS
 * chain (env, shared files, container or instance role); the common `endpoint` key, or the SDK's
 * AWS_ENDPOINT_URL_XRAY / AWS_ENDPOINT_URL, overrides the URL.
 */
export const xraySchema = z.object({
  /** Default: the AWS chain (AWS_REGION, AWS_DEFAULT_REGION, the shared config file). */
  region: z.string().min(1).optional(),
  /** Span attribute keys to index as annotations; resource attributes as `otel.resource.<key>`. */
  indexed_attributes: z.array(z.string().min(1)).default([]),
  /** Index every primitive span (and, on segments, resource) attribute; `indexed_attributes` is then ignored. */
  index_all_attributes: z.boolean().default(false),
  /** Refuse (count and say) spans whose trace id does not start with a plausible epoch second, for accounts that still require X-Ray-style ids. */
  strict_trace_ids: z.boolean().default(false),
  /** Annotation keys: `keep` dots (what X-Ray and the collector accept today) or replace them with `_` (the older documented rule). */
  annotation_key_dots: z.enum(['keep', 'underscore']).default('keep'),
});

export interface XrayConfig {
  region?: string;
  indexedAttributes: string[];
  indexAllAttributes: boolean;
  strictTraceIds: boolean;
  annotationKeyDots: 'keep' | 'underscore';
}

export const xrayKind = defineKind({
  signals: ['traces'],
  shape: xraySchema.shape,
  resolve: (parsed): XrayConfig => {
    const settings: XrayConfig = {
      indexedAttributes: parsed.indexed_attributes,
      indexAllAttributes: parsed.index_all_attributes,
      strictTraceIds: parsed.strict_trace_ids,
      annotationKeyDots: parsed.annotation_key_dots,
    };
    if (parsed.region !== undefined) settings.region = parsed.region;
    return settings;
  },
  warnings: (settings): Problem[] => {
    const problems: Problem[] = [];
    if (settings.indexAllAttributes && settings.indexedAttributes.length > 0) {
      problems.push({ path: ['indexed_attributes'], message: 'is ignored: index_all_attributes is true' });
    } else if (settings.indexedAttributes.length > MAX_ANNOTATIONS_PER_TRACE) {
      problems.push({
        path: ['indexed_attributes'],
        message: `lists ${settings.indexedAttributes.length} keys; X-Ray indexes at most ${MAX_ANNOTATIONS_PER_TRACE} annotations per trace, the rest go to metadata`,
      });
    }
    return problems;
  },
});

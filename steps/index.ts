import type { NamedStep } from '../core/pipeline/chain.ts';
import { orient, textLines } from './paddleocr.ts';

/**
 * The named TypeScript steps built into every target (docs/pipelines.md, "Named steps"): the
 * escape hatch for what pipeline.json cannot declare. A declaration calls one by its name here
 * (`{ "call": "paddleocr_text_lines", ... }`); a name missing from this list fails the version at
 * load. Steps are code, so they ship with the build, never from the bucket (a Worker cannot run
 * code fetched at run time): add yours here and rebuild.
 */
export const namedSteps: Readonly<Record<string, NamedStep>> = {
  paddleocr_text_lines: textLines,
  paddleocr_orient: orient,
};

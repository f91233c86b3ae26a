import { z } from 'zod';
import { LTI_SCOPES, LtiServiceError, type Fetch } from './serviceToken.js';

/** The tag of the line items Amphi makes for its session grades. */
export const AMPHI_LINE_ITEM_TAG = 'amphi-attendance';

export const LINE_ITEM_MEDIA_TYPE = 'application/vnd.ims.lis.v2.lineitem+json';
export const LINE_ITEM_CONTAINER_MEDIA_TYPE = 'application/vnd.ims.lis.v2.lineitemcontainer+json';
export const SCORE_MEDIA_TYPE = 'application/vnd.ims.lis.v1.score+json';

/** A line item (gradebook column) as AGS 2.0 describes it. */
export const LineItem = z.object({
  id: z.string().url(),
  label: z.string().optional(),
  scoreMaximum: z.number().optional(),
  resourceLinkId: z.string().optional(),
  tag: z.string().optional(),
});
export type LineItem = z.infer<typeof LineItem>;

/** What a platform granted for an activity (the AGS claim of its launches). */
export interface GradeEndpoints {
  readonly lineItemsUrl: string | null;
  readonly lineItemUrl: string | null;
  readonly scope: readonly string[];
}

/** How Amphi posts grades for an activity, or why it cannot. */
export type GradePlan =
  | { readonly kind: 'lineItem'; readonly lineItemUrl: string }
  | { readonly kind: 'findOrCreate'; readonly lineItemsUrl: string }
  | { readonly kind: 'none'; readonly reason: string };

/**
 * Decides where an activity's grades go: the line item the platform coupled with the activity
 * (`lineitem` claim) when there is one, else Amphi's own line item in the course's line items
 * (found by tag and resource link, made when missing) — which needs the line item scope.
 */
export function gradePlan(endpoints: GradeEndpoints): GradePlan {
  if (!endpoints.scope.includes(LTI_SCOPES.score)) return { kind: 'none', reason: 'the platform did not grant the score scope' };
  if (endpoints.lineItemUrl) return { kind: 'lineItem', lineItemUrl: endpoints.lineItemUrl };
  if (endpoints.lineItemsUrl && endpoints.scope.includes(LTI_SCOPES.lineItem)) return { kind: 'findOrCreate', lineItemsUrl: endpoints.lineItemsUrl };
  return { kind: 'none', reason: 'the platform gave no line item and no right to make one' };
}

/** Amphi's line item for this activity among those listed, if any. */
export function findAmphiLineItem(items: readonly LineItem[], resourceLinkId: string): LineItem | undefined {
  return items.find((item) => item.tag === AMPHI_LINE_ITEM_TAG && item.resourceLinkId === resourceLinkId);
}

/** The line item Amphi makes for an activity. */
export function newLineItem(input: { roomTitle: string; resourceLinkId: string; scoreMaximum: number }): Omit<LineItem, 'id'> & { label: string; scoreMaximum: number } {
  return { label: `${input.roomTitle} — attendance`.slice(0, 255), scoreMaximum: input.scoreMaximum, resourceLinkId: input.resourceLinkId, tag: AMPHI_LINE_ITEM_TAG };
}

/** A URL with a path segment appended before its query (`…/lineitems/3?x=1` → `…/lineitems/3/scores?x=1`). */
export function withPathSuffix(url: string, suffix: string): string {
  const parsed = new URL(url);
  parsed.pathname = parsed.pathname.replace(/\/$/, '') + suffix;
  return parsed.toString();
}

/** A score as AGS 2.0 takes it. */
export interface Score {
  readonly userId: string;
  readonly scoreGiven: number;
  readonly scoreMaximum: number;
  readonly activityProgress: 'Completed';
  readonly gradingProgress: 'FullyGraded';
  /** ISO 8601 with milliseconds. */
  readonly timestamp: string;
}

/** Lists the course's line items of this activity with Amphi's tag (filtered here too: a platform may ignore the filters). */
export async function findLineItem(lineItemsUrl: string, resourceLinkId: string, token: string, fetch: Fetch): Promise<LineItem | undefined> {
  const url = new URL(lineItemsUrl);
  url.searchParams.set('resource_link_id', resourceLinkId);
  url.searchParams.set('tag', AMPHI_LINE_ITEM_TAG);
  const response = await fetch(url.toString(), { headers: { accept: LINE_ITEM_CONTAINER_MEDIA_TYPE, authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new LtiServiceError(`The platform refused to list line items (HTTP ${response.status}).`);
  const parsed = z.array(z.unknown()).safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new LtiServiceError('The platform answered the line item list with something other than a list.');
  const items = parsed.data.flatMap((raw) => {
    const item = LineItem.safeParse(raw);
    return item.success ? [item.data] : [];
  });
  return findAmphiLineItem(items, resourceLinkId);
}

export async function createLineItem(lineItemsUrl: string, item: Omit<LineItem, 'id'>, token: string, fetch: Fetch): Promise<LineItem> {
  const response = await fetch(lineItemsUrl, {
    method: 'POST',
    headers: { 'content-type': LINE_ITEM_MEDIA_TYPE, accept: LINE_ITEM_MEDIA_TYPE, authorization: `Bearer ${token}` },
    body: JSON.stringify(item),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new LtiServiceError(`The platform refused to make a line item (HTTP ${response.status}).`);
  const parsed = LineItem.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new LtiServiceError('The platform answered the new line item with something other than a line item.');
  return parsed.data;
}

export async function postScore(lineItemUrl: string, score: Score, token: string, fetch: Fetch): Promise<void> {
  const response = await fetch(withPathSuffix(lineItemUrl, '/scores'), {
    method: 'POST',
    headers: { 'content-type': SCORE_MEDIA_TYPE, authorization: `Bearer ${token}` },
    body: JSON.stringify(score),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new LtiServiceError(`The platform refused a score (HTTP ${response.status}).`);
}

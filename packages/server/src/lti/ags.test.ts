import { describe, expect, it } from 'vitest';
import { AMPHI_LINE_ITEM_TAG, findAmphiLineItem, gradePlan, newLineItem, postScore, withPathSuffix } from './ags.js';
import { LTI_SCOPES } from './serviceToken.js';

const ITEMS = 'https://moodle.test/mod/lti/services.php/2/lineitems?type_id=1';

describe('where grades go', () => {
  it('uses the line item the platform coupled with the activity', () => {
    expect(gradePlan({ lineItemsUrl: ITEMS, lineItemUrl: 'https://moodle.test/li/7', scope: [LTI_SCOPES.score] })).toEqual({ kind: 'lineItem', lineItemUrl: 'https://moodle.test/li/7' });
  });

  it('finds or makes its own line item when only the course line items are given, with the line item scope', () => {
    expect(gradePlan({ lineItemsUrl: ITEMS, lineItemUrl: null, scope: [LTI_SCOPES.lineItem, LTI_SCOPES.score] })).toEqual({ kind: 'findOrCreate', lineItemsUrl: ITEMS });
  });

  it('posts nothing without the score scope, or without a line item it may use or make', () => {
    expect(gradePlan({ lineItemsUrl: ITEMS, lineItemUrl: 'https://moodle.test/li/7', scope: [LTI_SCOPES.lineItem] }).kind).toBe('none');
    expect(gradePlan({ lineItemsUrl: ITEMS, lineItemUrl: null, scope: [LTI_SCOPES.score, LTI_SCOPES.lineItemReadOnly] }).kind).toBe('none');
    expect(gradePlan({ lineItemsUrl: null, lineItemUrl: null, scope: [LTI_SCOPES.score, LTI_SCOPES.lineItem] }).kind).toBe('none');
  });

  it("picks Amphi's line item of this activity by tag and resource link", () => {
    const items = [
      { id: 'https://m.test/li/1', tag: AMPHI_LINE_ITEM_TAG, resourceLinkId: 'other' },
      { id: 'https://m.test/li/2', tag: 'quiz', resourceLinkId: 'rl-1' },
      { id: 'https://m.test/li/3', tag: AMPHI_LINE_ITEM_TAG, resourceLinkId: 'rl-1' },
    ];
    expect(findAmphiLineItem(items, 'rl-1')?.id).toBe('https://m.test/li/3');
    expect(findAmphiLineItem(items, 'rl-2')).toBeUndefined();
  });

  it('makes a line item named after the room, tagged and tied to the activity', () => {
    expect(newLineItem({ roomTitle: 'Physique', resourceLinkId: 'rl-1', scoreMaximum: 1 })).toEqual({ label: 'Physique — attendance', scoreMaximum: 1, resourceLinkId: 'rl-1', tag: AMPHI_LINE_ITEM_TAG });
  });

  it('puts /scores before the query of a line item URL', () => {
    expect(withPathSuffix('https://moodle.test/mod/lti/services.php/2/lineitems/5/lineitem?type_id=1', '/scores')).toBe('https://moodle.test/mod/lti/services.php/2/lineitems/5/lineitem/scores?type_id=1');
    expect(withPathSuffix('https://m.test/li/5/', '/scores')).toBe('https://m.test/li/5/scores');
  });

  it('posts a score with the AGS media type and the bearer token, and reports a refusal by status', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const fetch = async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Response(null, { status: calls.length === 1 ? 204 : 403 });
    };
    const score = { userId: 'ana', scoreGiven: 1, scoreMaximum: 1, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: '2026-11-30T10:00:00.000Z' } as const;
    await postScore('https://m.test/li/5', score, 'tok', fetch);
    expect(calls[0]!.url).toBe('https://m.test/li/5/scores');
    expect(calls[0]!.init.headers).toMatchObject({ 'content-type': 'application/vnd.ims.lis.v1.score+json', authorization: 'Bearer tok' });
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual(score);
    await expect(postScore('https://m.test/li/5', score, 'tok', fetch)).rejects.toThrow('HTTP 403');
  });
});

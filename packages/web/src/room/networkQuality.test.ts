import { describe, expect, it } from 'vitest';
import { lossBetween, rateNetwork, sampleStats } from './networkQuality.js';

describe('rateNetwork', () => {
  it('has nothing to say before there is a round-trip time or a loss', () => {
    expect(rateNetwork(null, null)).toBeNull();
  });

  it.each([
    { rtt: 0.05, loss: 0, quality: 'good' },
    { rtt: 0.2, loss: 0.02, quality: 'good' },
    { rtt: null, loss: 0.01, quality: 'good' },
    { rtt: 0.1, loss: null, quality: 'good' },
    { rtt: 0.21, loss: 0, quality: 'fair' },
    { rtt: 0.1, loss: 0.03, quality: 'fair' },
    { rtt: 0.5, loss: 0.08, quality: 'fair' },
    { rtt: 0.3, loss: null, quality: 'fair' },
    { rtt: 0.51, loss: 0, quality: 'poor' },
    { rtt: 0.1, loss: 0.09, quality: 'poor' },
    { rtt: null, loss: 0.5, quality: 'poor' },
  ])('rates a round trip of $rtt s with a loss of $loss as $quality', ({ rtt, loss, quality }) => {
    expect(rateNetwork(rtt, loss)).toBe(quality);
  });
});

describe('lossBetween', () => {
  it('has no loss on the first reading', () => {
    expect(lossBetween(null, { lost: 40, total: 1000 })).toBeNull();
  });

  it('gives the share of packets lost since the previous reading', () => {
    expect(lossBetween({ lost: 10, total: 1000 }, { lost: 20, total: 1490 })).toBeCloseTo(10 / 500);
    expect(lossBetween({ lost: 10, total: 1000 }, { lost: 10, total: 1500 })).toBe(0);
  });

  it('has no loss when nothing flowed in between', () => {
    expect(lossBetween({ lost: 10, total: 1000 }, { lost: 10, total: 1000 })).toBeNull();
  });

  it('has no loss when the counters restart with a new connection', () => {
    expect(lossBetween({ lost: 50, total: 10_000 }, { lost: 2, total: 300 })).toBeNull();
    // Fewer packets than before but more losses: still a new connection, not a total loss.
    expect(lossBetween({ lost: 5, total: 10_000 }, { lost: 9, total: 300 })).toBeNull();
  });

  it('counts a lost counter that went down (the far end corrected it) as nothing lost', () => {
    expect(lossBetween({ lost: 10, total: 1000 }, { lost: 8, total: 1200 })).toBe(0);
  });
});

type Entry = { type: string; id: string } & Record<string, unknown>;

/** An RTCStatsReport is a read-only Map of entries by id. */
function report(...entries: Entry[]): RTCStatsReport {
  return new Map(entries.map((e) => [e.id, e])) as unknown as RTCStatsReport;
}

describe('sampleStats', () => {
  it('takes the round-trip time of the candidate pair the transport selected', () => {
    const stats = report(
      { type: 'transport', id: 'T1', selectedCandidatePairId: 'CP2' },
      { type: 'candidate-pair', id: 'CP1', nominated: true, state: 'succeeded', currentRoundTripTime: 0.9 },
      { type: 'candidate-pair', id: 'CP2', nominated: true, state: 'succeeded', currentRoundTripTime: 0.08 },
    );
    expect(sampleStats(stats).rttSeconds).toBe(0.08);
  });

  it('takes the worst round-trip time when there are several transports', () => {
    const stats = report(
      { type: 'transport', id: 'T1', selectedCandidatePairId: 'CP1' },
      { type: 'transport', id: 'T2', selectedCandidatePairId: 'CP2' },
      { type: 'candidate-pair', id: 'CP1', currentRoundTripTime: 0.05 },
      { type: 'candidate-pair', id: 'CP2', currentRoundTripTime: 0.3 },
    );
    expect(sampleStats(stats).rttSeconds).toBe(0.3);
  });

  it('falls back to the nominated, succeeded pair when no transport names one', () => {
    const stats = report(
      { type: 'transport', id: 'T1' },
      { type: 'candidate-pair', id: 'CP1', nominated: false, state: 'succeeded', currentRoundTripTime: 0.9 },
      { type: 'candidate-pair', id: 'CP2', nominated: true, state: 'in-progress', currentRoundTripTime: 0.8 },
      { type: 'candidate-pair', id: 'CP3', nominated: true, state: 'succeeded', currentRoundTripTime: 0.12 },
    );
    expect(sampleStats(stats).rttSeconds).toBe(0.12);
  });

  it('has no round-trip time when the selected pair has none yet', () => {
    const stats = report({ type: 'transport', id: 'T1', selectedCandidatePairId: 'CP1' }, { type: 'candidate-pair', id: 'CP1' });
    expect(sampleStats(stats)).toEqual({ rttSeconds: null, counters: { lost: 0, total: 0 } });
  });

  it('adds incoming losses and receptions, and outgoing losses (as the far end reports them) and sendings', () => {
    const stats = report(
      { type: 'inbound-rtp', id: 'IA', packetsLost: 3, packetsReceived: 400 },
      { type: 'inbound-rtp', id: 'IV', packetsLost: 7, packetsReceived: 1600 },
      { type: 'outbound-rtp', id: 'OV', packetsSent: 2000 },
      { type: 'remote-inbound-rtp', id: 'RV', packetsLost: 5, packetsReceived: 1990 },
      { type: 'codec', id: 'C1', packetsLost: 1000 },
    );
    expect(sampleStats(stats).counters).toEqual({ lost: 15, total: 4000 });
  });

  it('skips counters that are missing or not finite numbers', () => {
    const stats = report(
      { type: 'inbound-rtp', id: 'IA', packetsLost: Number.NaN, packetsReceived: '400' },
      { type: 'inbound-rtp', id: 'IV', packetsLost: 2, packetsReceived: 100 },
      { type: 'outbound-rtp', id: 'OV' },
    );
    expect(sampleStats(stats).counters).toEqual({ lost: 2, total: 100 });
  });
});

/** How well the media connections fare, as shown to the person. */
export type NetworkQuality = 'good' | 'fair' | 'poor';

/** Packet counters read from the statistics, to compute losses between two readings. */
export interface PacketCounters {
  lost: number;
  /** Packets received (incoming streams) plus packets sent (outgoing streams). */
  total: number;
}

export interface NetworkSample {
  /** The worst round-trip time of the connections' active candidate pairs, in seconds (null if unknown). */
  rttSeconds: number | null;
  counters: PacketCounters;
}

/** Round-trip time (s) and loss ratio up to which the network is good, then fair. */
const GOOD = { rtt: 0.2, loss: 0.02 };
const FAIR = { rtt: 0.5, loss: 0.08 };

/** Rates a reading: good, fair or poor; null when there is nothing to judge yet. */
export function rateNetwork(rttSeconds: number | null, lossRatio: number | null): NetworkQuality | null {
  if (rttSeconds === null && lossRatio === null) return null;
  const rtt = rttSeconds ?? 0;
  const loss = lossRatio ?? 0;
  if (rtt <= GOOD.rtt && loss <= GOOD.loss) return 'good';
  if (rtt <= FAIR.rtt && loss <= FAIR.loss) return 'fair';
  return 'poor';
}

/**
 * Share of packets lost between two readings, or null when there is nothing to compare: no
 * earlier reading, nothing flowed in between, or the counters restarted (a new connection).
 */
export function lossBetween(before: PacketCounters | null, now: PacketCounters): number | null {
  // Counters restart with a new connection: a drop is not a loss.
  if (!before || now.total < before.total) return null;
  const lost = Math.max(0, now.lost - before.lost);
  const total = Math.max(0, now.total - before.total);
  return lost + total === 0 ? null : lost / (lost + total);
}

interface StatsEntry {
  type: string;
  id: string;
  [field: string]: unknown;
}

const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/**
 * Reads one connection's statistics: the round-trip time of its selected candidate pair, and
 * its packet counters (incoming: lost and received; outgoing: lost as the far end reports, and sent).
 */
export function sampleStats(report: RTCStatsReport): NetworkSample {
  const entries = [...(report.values() as Iterable<StatsEntry>)];
  const selectedPairIds = new Set(entries.filter((e) => e.type === 'transport' && typeof e.selectedCandidatePairId === 'string').map((e) => e.selectedCandidatePairId as string));
  const pairs = entries.filter((e) => e.type === 'candidate-pair' && (selectedPairIds.size > 0 ? selectedPairIds.has(e.id) : e.nominated === true && e.state === 'succeeded'));
  const rtts = pairs.map((p) => num(p.currentRoundTripTime)).filter((r): r is number => r !== null);
  const counters: PacketCounters = { lost: 0, total: 0 };
  for (const e of entries) {
    if (e.type === 'inbound-rtp') {
      counters.lost += num(e.packetsLost) ?? 0;
      counters.total += num(e.packetsReceived) ?? 0;
    } else if (e.type === 'remote-inbound-rtp') {
      counters.lost += num(e.packetsLost) ?? 0;
    } else if (e.type === 'outbound-rtp') {
      counters.total += num(e.packetsSent) ?? 0;
    }
  }
  return { rttSeconds: rtts.length > 0 ? Math.max(...rtts) : null, counters };
}

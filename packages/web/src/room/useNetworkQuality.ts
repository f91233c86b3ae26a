import { useRef, useState } from 'react';
import type { MediaSession } from '@amphi/client/media';
import { useVisibleInterval } from '../ui/useVisibleInterval.js';
import { lossBetween, rateNetwork, sampleStats, type NetworkQuality, type PacketCounters } from './networkQuality.js';

/** How often the statistics are read, in ms. */
const INTERVAL_MS = 2000;

/**
 * The quality of one's media connections (both: sending and receiving), from their
 * statistics every two seconds while the page is visible: round-trip time and packet loss
 * since the last reading. Null until there is something to judge.
 */
export function useNetworkQuality(session: MediaSession | null): NetworkQuality | null {
  const [quality, setQuality] = useState<NetworkQuality | null>(null);
  const previous = useRef<{ session: MediaSession; counters: PacketCounters } | null>(null);
  const reading = useRef(false);

  useVisibleInterval(() => {
    if (!session || reading.current) return;
    const connections = [session.connections.publisher, session.connections.subscriber].filter((pc): pc is RTCPeerConnection => pc !== null && pc.connectionState !== 'closed');
    if (connections.length === 0) {
      setQuality(null);
      return;
    }
    reading.current = true;
    Promise.all(connections.map((pc) => pc.getStats()))
      .then((reports) => {
        const samples = reports.map(sampleStats);
        const rtts = samples.map((s) => s.rttSeconds).filter((r): r is number => r !== null);
        const counters = samples.reduce<PacketCounters>((sum, s) => ({ lost: sum.lost + s.counters.lost, total: sum.total + s.counters.total }), { lost: 0, total: 0 });
        const before = previous.current?.session === session ? previous.current.counters : null;
        previous.current = { session, counters };
        // Counters restart with a new connection: a drop is not a loss.
        const loss = before && counters.total >= before.total ? lossBetween(before, counters) : null;
        setQuality(rateNetwork(rtts.length > 0 ? Math.max(...rtts) : null, loss));
      })
      .catch(() => undefined)
      .finally(() => {
        reading.current = false;
      });
  }, INTERVAL_MS);

  return quality;
}

/** One media section of an SDP offer, as far as publishing rules care. */
export interface MediaSection {
  kind: string;
  mid: string | undefined;
  /** Whether the section sends media (sendonly or sendrecv; port 0 means rejected/stopped). */
  sending: boolean;
}

/**
 * Reads the media sections of an SDP (what they are, their mid, whether they send).
 * Tolerant of any input: junk gives sections with what could be read, never an exception.
 */
export function mediaSections(sdp: string): MediaSection[] {
  const sections: MediaSection[] = [];
  let current: (MediaSection & { direction: string | undefined; port: string }) | null = null;
  let sessionDirection = 'sendrecv';
  const finish = () => {
    if (!current) return;
    const direction = current.direction ?? sessionDirection;
    sections.push({ kind: current.kind, mid: current.mid, sending: current.port !== '0' && (direction === 'sendonly' || direction === 'sendrecv') });
  };
  for (const raw of sdp.split('\n')) {
    const line = raw.trimEnd();
    if (line.startsWith('m=')) {
      finish();
      const [kind = '', port = ''] = line.slice(2).split(' ');
      current = { kind, mid: undefined, sending: false, direction: undefined, port };
    } else if (line.startsWith('a=mid:')) {
      if (current) current.mid = line.slice(6).trim();
    } else if (/^a=(sendonly|recvonly|sendrecv|inactive)$/.test(line)) {
      const direction = line.slice(2);
      if (current) current.direction = direction;
      else sessionDirection = direction;
    }
  }
  finish();
  return sections;
}

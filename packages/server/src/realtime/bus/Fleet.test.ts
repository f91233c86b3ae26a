import { describe, expect, it } from 'vitest';
import { Fleet, FleetKeyMismatchError } from './Fleet.js';
import { MemoryBus } from './MemoryBus.js';

const log = { warn: () => undefined };

describe('Fleet', () => {
  it('lets in instances that sign with the same key, refuses one with another key while they run, and lets a new fleet form once they left', async () => {
    const bus = new MemoryBus();
    const a = new Fleet({ bus: bus.connect(), instanceId: 'a', tokenKeyFingerprint: 'key-1', log });
    const b = new Fleet({ bus: bus.connect(), instanceId: 'b', tokenKeyFingerprint: 'key-1', log });
    await a.join();
    await b.join();
    await expect(new Fleet({ bus: bus.connect(), instanceId: 'c', tokenKeyFingerprint: 'key-2', log }).join()).rejects.toThrow(FleetKeyMismatchError);
    await a.leave();
    await a.leave();
    await expect(new Fleet({ bus: bus.connect(), instanceId: 'c', tokenKeyFingerprint: 'key-2', log }).join()).rejects.toThrow(/AMPHI_SECRET/);
    await b.leave();
    // Every instance restarted with a new secret: the new key forms the fleet.
    const renewed = new Fleet({ bus: bus.connect(), instanceId: 'c', tokenKeyFingerprint: 'key-2', log });
    await renewed.join();
    await renewed.leave();
  });
});

import { describe, expect, it } from 'vitest';
import { janusConfig, type JanusConfigSettings } from './janusConfig.js';

const settings: JanusConfigSettings = {
  ip: '192.0.2.2',
  wsPort: 41234,
  apiSecret: 'api-secret',
  adminSecret: 'admin-secret',
  adminKey: 'admin-key',
  rtpPortRange: [20000, 40000],
  eventLoops: 2,
  debugLevel: 3,
};

/** The `key = value` lines of one section of a generated file. */
function section(file: string | undefined, name: string): string[] {
  const match = new RegExp(`^${name}: \\{\\n([^}]*)\\}`, 'm').exec(file ?? '');
  if (!match) throw new Error(`no section ${name}`);
  return match[1]!.split('\n').filter(Boolean).map((line) => line.trim());
}

function disabled(file: string | undefined, name: string): string[] {
  const line = section(file, name).find((l) => l.startsWith('disable = '));
  return JSON.parse(line!.slice('disable = '.length)).split(',');
}

describe('janusConfig', () => {
  it('writes the four files Janus reads and nothing else', () => {
    expect(Object.keys(janusConfig(settings)).sort()).toEqual([
      'janus.jcfg',
      'janus.plugin.streaming.jcfg',
      'janus.plugin.videoroom.jcfg',
      'janus.transport.websockets.jcfg',
    ]);
  });

  it('serves the WebSocket API on loopback only, on the given port, with the Admin API off', () => {
    const ws = janusConfig(settings)['janus.transport.websockets.jcfg'];
    expect(section(ws, 'general')).toEqual(expect.arrayContaining(['ws = true', 'ws_port = 41234', 'ws_ip = "127.0.0.1"', 'wss = false']));
    expect(section(ws, 'admin')).toEqual(['admin_ws = false', 'admin_wss = false']);
  });

  it('requires the API secret and sets the admin secret', () => {
    const general = section(janusConfig(settings)['janus.jcfg'], 'general');
    expect(general).toEqual(
      expect.arrayContaining(['api_secret = "api-secret"', 'admin_secret = "admin-secret"', 'event_loops = 2', 'session_timeout = 60', 'debug_level = 3']),
    );
  });

  it('loads only the VideoRoom and Streaming plugins and the WebSocket transport, no loggers or event handlers', () => {
    const core = janusConfig(settings)['janus.jcfg'];
    const plugins = disabled(core, 'plugins');
    expect(plugins).toEqual(expect.arrayContaining(['libjanus_audiobridge.so', 'libjanus_echotest.so', 'libjanus_sip.so', 'libjanus_textroom.so']));
    expect(plugins).not.toContain('libjanus_videoroom.so');
    expect(plugins).not.toContain('libjanus_streaming.so');
    expect(disabled(core, 'transports').sort()).toEqual(['libjanus_http.so', 'libjanus_mqtt.so', 'libjanus_nanomsg.so', 'libjanus_pfunix.so', 'libjanus_rabbitmq.so']);
    expect(disabled(core, 'loggers')).toEqual(['libjanus_jsonlog.so']);
    expect(section(core, 'events')).toContain('broadcast = false');
  });

  it('gathers ICE candidates only on the given address, half-trickle, without mDNS, in the RTP port range', () => {
    const core = janusConfig(settings)['janus.jcfg'];
    expect(section(core, 'nat')).toEqual(['ice_enforce_list = "192.0.2.2"', 'ignore_mdns = true', 'nice_debug = false', 'full_trickle = false']);
    expect(section(core, 'media')).toEqual(['rtp_port_range = "20000-40000"']);
  });

  it('adds a TURN server only when one is given', () => {
    const turn = { server: 'turn.example.org', port: 3478, type: 'udp' as const, user: 'amphi', pwd: 'pw' };
    const nat = section(janusConfig({ ...settings, turn })['janus.jcfg'], 'nat');
    expect(nat).toEqual(
      expect.arrayContaining(['turn_server = "turn.example.org"', 'turn_port = 3478', 'turn_type = "udp"', 'turn_user = "amphi"', 'turn_pwd = "pw"']),
    );
  });

  it('locks room creation and RTP forwarding behind the admin key and defines no demo rooms or mountpoints', () => {
    const files = janusConfig(settings);
    expect(section(files['janus.plugin.videoroom.jcfg'], 'general')).toEqual(expect.arrayContaining(['admin_key = "admin-key"', 'lock_rtp_forward = true']));
    expect(section(files['janus.plugin.streaming.jcfg'], 'general')).toEqual(expect.arrayContaining(['admin_key = "admin-key"', 'rtp_port_range = "20000-40000"']));
    for (const name of ['janus.plugin.videoroom.jcfg', 'janus.plugin.streaming.jcfg']) {
      expect(files[name]!.match(/^\w[\w-]*: \{/gm)).toEqual(['general: {']);
    }
  });

  it('escapes quotes and backslashes so a value cannot break out of its string', () => {
    const nat = section(janusConfig({ ...settings, turn: { server: 't', port: 1, type: 'tcp', user: 'u', pwd: 'a"b\\c' } })['janus.jcfg'], 'nat');
    expect(nat).toContain('turn_pwd = "a\\"b\\\\c"');
  });
});

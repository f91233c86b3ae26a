/**
 * The private nginx configuration of the RTMP ingest: only an `rtmp {}` block (no HTTP server),
 * one application whose publishers are authorised by HTTP callbacks to the Amphi server and whose
 * streams only this machine may play. Pure: the supervisor (`NginxRtmp`) writes it to disk.
 */
import { isIPv4 } from 'node:net';
import { BroadcastError } from '../errors.js';

/** The RTMP application encoders publish to: `rtmp://HOST:PORT/live/<stream key>`. */
export const RTMP_APPLICATION = 'live';

/** Callback paths on the Amphi server (see `registerRtmpCallbacks`). */
export const PUBLISH_PATH = '/internal/rtmp/publish';
export const PUBLISH_DONE_PATH = '/internal/rtmp/publish_done';

/**
 * A stream name as nginx sees it: a stream key presented by an encoder, or the internal name a
 * stream is renamed to. Letters, digits, `_` and `-` only, so it is safe in a URL, a Location
 * header and an ffmpeg argument; nginx-rtmp keeps names up to 255 bytes.
 */
export const RTMP_STREAM_NAME = /^[A-Za-z0-9_-]{1,128}$/;

/** What may stand in a callback secret: it is written unquoted into a URL and the nginx config. */
export const CALLBACK_SECRET = /^[A-Za-z0-9_-]{16,256}$/;

export interface NginxRtmpConfigInput {
  /** IPv4 address encoders connect to ('0.0.0.0': every interface). */
  host: string;
  port: number;
  /** Absolute path of `ngx_rtmp_module.so`. */
  modulePath: string;
  /** Folder of nginx's pid file (nginx's prefix, `-p`). */
  dir: string;
  /** `http://127.0.0.1:PORT` of the Amphi server (loopback only). */
  callbackBase: string;
  callbackSecret: string;
  /** Seconds without data after which nginx drops a publisher (a dead encoder frees its stream). */
  dropIdlePublisherS: number;
}

/** A path nginx reads inside double quotes: no quote, backslash, `$` (variables) or control character. */
function quotedPath(value: string, what: string): string {
  // eslint-disable-next-line no-control-regex
  if (!value.startsWith('/') || /["\\$\u0000-\u001f\u007f]/.test(value)) throw new BroadcastError('INVALID_RTMP_OPTIONS', `${what} must be an absolute path without quotes, backslashes, $ or control characters`);
  return `"${value}"`;
}

/** The callback base as `http://host:port`, refused unless it is plain HTTP on loopback. */
export function loopbackCallbackBase(base: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new BroadcastError('INVALID_RTMP_OPTIONS', 'callbackBase is not a URL');
  }
  // nginx-rtmp speaks plain HTTP/1.0 only, and the secret travels in the URL: it must never leave
  // the machine. 127.0.0.1 rather than `localhost`, which nginx might resolve to ::1.
  if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1' || url.pathname !== '/' || url.search || url.hash || url.username || url.password)
    throw new BroadcastError('INVALID_RTMP_OPTIONS', 'callbackBase must be http://127.0.0.1:PORT (loopback, no path)');
  return url.origin;
}

/** Whether the host is usable; the local player (our ffmpeg) always connects through 127.0.0.1. */
export function validRtmpHost(host: string): boolean {
  return isIPv4(host);
}

/** The text of `nginx.conf`. Throws `INVALID_RTMP_OPTIONS` on anything that could break out of the file's syntax. */
export function nginxRtmpConfig(input: NginxRtmpConfigInput): string {
  const { host, port, dropIdlePublisherS } = input;
  if (!validRtmpHost(host)) throw new BroadcastError('INVALID_RTMP_OPTIONS', 'host must be an IPv4 address');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new BroadcastError('INVALID_RTMP_OPTIONS', 'port must be an integer in 1..65535');
  if (!CALLBACK_SECRET.test(input.callbackSecret)) throw new BroadcastError('INVALID_RTMP_OPTIONS', `callbackSecret must match ${CALLBACK_SECRET.source}`);
  if (!Number.isInteger(dropIdlePublisherS) || dropIdlePublisherS < 1) throw new BroadcastError('INVALID_RTMP_OPTIONS', 'dropIdlePublisherS must be a positive integer');
  const base = loopbackCallbackBase(input.callbackBase);
  const query = `?s=${input.callbackSecret}`;
  // Our ffmpeg pulls from 127.0.0.1: listen there too when the public address is a specific one.
  const listens = [`${host}:${port}`];
  if (host !== '0.0.0.0' && host !== '127.0.0.1') listens.push(`127.0.0.1:${port}`);
  return [
    `load_module ${quotedPath(input.modulePath, 'modulePath')};`,
    // One process in the foreground: the supervisor sees its exit, and a SIGKILL leaves no orphan
    // worker holding the port (with a master process, killing the master leaves the worker running).
    'daemon off;',
    'master_process off;',
    'worker_processes 1;',
    `pid ${quotedPath(`${input.dir}/nginx.pid`, 'dir')};`,
    // warn: at info level nginx logs every publish with its stream name, that is the stream key,
    // and every callback URL with its secret. At warn and above neither appears.
    'error_log stderr warn;',
    'events {',
    '  worker_connections 1024;',
    '}',
    'rtmp {',
    // The access log would also carry the stream key.
    '  access_log off;',
    '  server {',
    ...listens.map((listen) => `    listen ${listen};`),
    `    application ${RTMP_APPLICATION} {`,
    '      live on;',
    '      record off;',
    // Only our own ffmpeg (on this machine) reads the streams; viewers get HLS or WebRTC.
    '      allow play 127.0.0.1;',
    '      deny play all;',
    '      allow publish all;',
    // A 3xx answer to on_publish renames the stream to the Location header (nginx-rtmp 1.2.2,
    // measured): the key is seen by the callback only, and the stream lives under our name.
    `      on_publish ${base}${PUBLISH_PATH}${query};`,
    `      on_publish_done ${base}${PUBLISH_DONE_PATH}${query};`,
    '      notify_method post;',
    `      drop_idle_publisher ${dropIdlePublisherS}s;`,
    '      publish_notify off;',
    // A new player (our ffmpeg) starts at a keyframe, with video first: it decodes from its first
    // packet instead of dropping frames until the next keyframe.
    '      wait_key on;',
    '      wait_video on;',
    // When the encoder goes, its players are disconnected (our ffmpeg ends instead of waiting
    // forever), and playing a stream nobody publishes fails at once.
    '      idle_streams off;',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

import { describe, expect, it } from 'vitest';
import { nginxRtmpConfig, type NginxRtmpConfigInput } from './nginxRtmpConfig.js';

const INPUT: NginxRtmpConfigInput = {
  host: '0.0.0.0',
  port: 1935,
  modulePath: '/usr/lib/nginx/modules/ngx_rtmp_module.so',
  dir: '/tmp/amphi-rtmp-x',
  callbackBase: 'http://127.0.0.1:8080',
  callbackSecret: 'secretsecretsecret',
  dropIdlePublisherS: 10,
};

describe('nginxRtmpConfig', () => {
  it('runs one rtmp application whose publishers are checked by our callbacks and whose streams only this machine plays', () => {
    const text = nginxRtmpConfig(INPUT);
    expect(text).toContain('load_module "/usr/lib/nginx/modules/ngx_rtmp_module.so";');
    expect(text).toContain('master_process off;');
    expect(text).toContain('pid "/tmp/amphi-rtmp-x/nginx.pid";');
    expect(text).toContain('error_log stderr warn;');
    expect(text).not.toMatch(/\bhttp\s*\{/);
    expect(text).toContain('access_log off;');
    expect(text).toContain('listen 0.0.0.0:1935;');
    expect(text).toContain('application live {');
    expect(text).toContain('allow play 127.0.0.1;\n      deny play all;');
    expect(text).toContain('on_publish http://127.0.0.1:8080/internal/rtmp/publish?s=secretsecretsecret;');
    expect(text).toContain('on_publish_done http://127.0.0.1:8080/internal/rtmp/publish_done?s=secretsecretsecret;');
    expect(text).toContain('notify_method post;');
    expect(text).toContain('drop_idle_publisher 10s;');
    expect(text).toContain('idle_streams off;');
  });

  it('also listens on loopback when bound to one specific address, for our own ffmpeg', () => {
    const text = nginxRtmpConfig({ ...INPUT, host: '192.0.2.10' });
    expect(text).toContain('listen 192.0.2.10:1935;\n    listen 127.0.0.1:1935;');
    expect(nginxRtmpConfig({ ...INPUT, host: '127.0.0.1' })).not.toContain('listen 0.0.0.0');
  });

  it.each([
    ['a host that is not an IPv4 address', { host: 'example.org' }],
    ['a port out of range', { port: 70000 }],
    ['a short secret', { callbackSecret: 'short' }],
    ['a secret that would break the URL', { callbackSecret: 'secretsecretsecret;x' }],
    ['a callback off loopback', { callbackBase: 'http://192.0.2.1:8080' }],
    ['a callback over https (nginx-rtmp speaks plain HTTP)', { callbackBase: 'https://127.0.0.1:8080' }],
    ['a callback with a path', { callbackBase: 'http://127.0.0.1:8080/x' }],
    ['a module path with a quote', { modulePath: '/usr/lib/x";daemon on;"' }],
    ['a relative module path', { modulePath: 'ngx_rtmp_module.so' }],
    ['a folder with a newline', { dir: '/tmp/x\ny' }],
  ])('refuses %s', (_name, change) => {
    expect(() => nginxRtmpConfig({ ...INPUT, ...change })).toThrow(expect.objectContaining({ code: 'INVALID_RTMP_OPTIONS' }));
  });
});

import { describe, expect, it } from 'vitest';
import { shortcutFor, stepVolume } from './playerShortcuts.js';

const onPlayer = { modifier: false, focus: 'other' as const };

describe('shortcutFor', () => {
  it.each([
    ['k', 'togglePlay'],
    ['K', 'togglePlay'],
    [' ', 'togglePlay'],
    ['m', 'toggleMute'],
    ['f', 'fullscreen'],
    ['ArrowUp', 'volumeUp'],
    ['ArrowDown', 'volumeDown'],
  ] as const)('maps %j to %s', (key, command) => {
    expect(shortcutFor(key, onPlayer)).toBe(command);
  });

  it('ignores other keys', () => {
    expect(shortcutFor('ArrowLeft', onPlayer)).toBeNull();
    expect(shortcutFor('Tab', onPlayer)).toBeNull();
  });

  it('leaves Space to a focused button, which it presses', () => {
    expect(shortcutFor(' ', { modifier: false, focus: 'button' })).toBeNull();
    expect(shortcutFor('k', { modifier: false, focus: 'button' })).toBe('togglePlay');
  });

  it('does nothing in the volume slider or the quality list, which use the keys themselves', () => {
    expect(shortcutFor('ArrowUp', { modifier: false, focus: 'field' })).toBeNull();
    expect(shortcutFor('m', { modifier: false, focus: 'field' })).toBeNull();
  });

  it('leaves keys with a modifier to the browser and assistive technology', () => {
    expect(shortcutFor('f', { modifier: true, focus: 'other' })).toBeNull();
  });
});

describe('stepVolume', () => {
  it('steps by a tenth', () => {
    expect(stepVolume(0.5, 1)).toBe(0.6);
    expect(stepVolume(0.5, -1)).toBe(0.4);
  });

  it('stays within 0 and 1', () => {
    expect(stepVolume(0.95, 1)).toBe(1);
    expect(stepVolume(0.02, -1)).toBe(0);
    expect(stepVolume(1, 1)).toBe(1);
  });

  it('lands on the steps again after a slider left it in between', () => {
    expect(stepVolume(0.33, 1)).toBe(0.4);
  });
});

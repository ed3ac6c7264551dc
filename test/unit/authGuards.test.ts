import { describe, expect, it, vi } from 'vitest';
import type { NextFunction, Request, Response } from 'express';
import { enforceAccountCompletion, safeReturnTo } from '../../src/platform/identity/guards';
import { hasRole, resetScope, type SessionUser } from '../../src/platform/identity/sessionUser';

describe('safeReturnTo', () => {
  it.each(['/my', '/my/apps?category=B', '/polls/1', '/announcements?page=2#top', '/login?returnTo=%2Fmy', '/my/%E5%85%AC'])('keeps the local path %j', (p) => {
    expect(safeReturnTo(p)).toBe(p);
  });

  it.each([
    '//evil.example',
    '//evil.example/my',
    '/\\evil.example',
    '/\\/evil.example',
    '\\\\evil.example',
    'https://evil.example',
    'http://evil.example/my',
    'HTTPS://evil.example',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'evil.example',
    ' /my',
    '/my\r\nSet-Cookie: x=1',
    '/my\nLocation: //evil',
    '/\t/evil.example',
    '/ /evil.example',
    '/my/公告',
    '',
    `/${'a'.repeat(501)}`,
  ])('sends the open-redirect attempt %j to /my', (p) => {
    expect(safeReturnTo(p)).toBe('/my');
  });

  it.each([undefined, null, 1, ['/my/apps', '//evil'], { toString: () => '/x' }])('sends a non-string (%j) to /my', (v) => {
    expect(safeReturnTo(v)).toBe('/my');
  });
});

function user(over: Partial<SessionUser> = {}): SessionUser {
  return {
    kind: 'person',
    accountId: 1,
    personId: 1,
    name: '王小明',
    username: 'wang',
    agencyId: 7,
    agencyCode: 'A096C0000Q',
    agencyName: '國立臺北護理健康大學',
    roles: [],
    method: 'password',
    mustChangePassword: false,
    profileIncomplete: false,
    lastLoginAt: null,
    currentLoginAt: new Date().toISOString(),
    certificate: null,
    ...over,
  };
}

function run(u: SessionUser | undefined, path: string) {
  const req = { user: u, path } as unknown as Request;
  const redirect = vi.fn();
  const res = { redirect } as unknown as Response;
  const next = vi.fn() as unknown as NextFunction;
  enforceAccountCompletion(req, res, next);
  return { redirect, next: next as unknown as ReturnType<typeof vi.fn> };
}

describe('enforceAccountCompletion', () => {
  it('lets visitors and complete accounts through', () => {
    expect(run(undefined, '/my').next).toHaveBeenCalled();
    expect(run(user(), '/admin/apps').next).toHaveBeenCalled();
  });

  it.each(['/my', '/my/apps', '/admin/announcements', '/polls/1', '/', '/my/password-reset'])('sends an incomplete profile from %s to /my/profile', (p) => {
    const r = run(user({ profileIncomplete: true, mustChangePassword: true }), p);
    expect(r.redirect).toHaveBeenCalledWith(303, '/my/profile');
    expect(r.next).not.toHaveBeenCalled();
  });

  it.each(['/my', '/my/apps', '/admin/audit', '/polls/1'])('sends a temporary password from %s to /my/password', (p) => {
    const r = run(user({ mustChangePassword: true }), p);
    expect(r.redirect).toHaveBeenCalledWith(303, '/my/password');
  });

  it.each(['/my/profile', '/my/password', '/logout'])('leaves %s open while completing', (p) => {
    expect(run(user({ profileIncomplete: true, mustChangePassword: true }), p).next).toHaveBeenCalled();
  });
});

describe('roles', () => {
  it('gives hr_staff to every HR role, and the others only to their own grant', () => {
    const hr = user({ roles: [{ role: 'hr_password_reset', agencyId: 7 }] });
    expect(hasRole(hr, 'hr_staff')).toBe(true);
    expect(hasRole(hr, 'hr_supervisor')).toBe(false);
    expect(hasRole(user(), 'hr_staff')).toBe(false);
    expect(hasRole(null, 'hr_staff')).toBe(false);
  });

  it('scopes password resets: customer service all, HR their agency, others none', () => {
    expect(resetScope(user({ roles: [{ role: 'cs_agent', agencyId: null }] }))).toBe('all');
    expect(resetScope(user({ roles: [{ role: 'hr_supervisor', agencyId: 7 }, { role: 'hr_staff', agencyId: 7 }] }))).toEqual([7]);
    expect(resetScope(user({ roles: [{ role: 'hr_staff', agencyId: 7 }] }))).toEqual([]);
    expect(resetScope(user({ roles: [{ role: 'portal_admin', agencyId: null }] }))).toEqual([]);
  });
});

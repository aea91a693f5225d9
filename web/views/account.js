// The account: name, time zone (the student's "today" for plans and reviews), desired
// retention (what review intervals aim for), the hour a review day starts, and the
// password.

import { h, add } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { field, button, showError, setFieldError, toast, announce } from '../lib/ui.js';
import { setUser, setSessions } from '../lib/store.js';
import { navigate } from '../lib/router.js';

function timeZones(current) {
  let zones = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  const set = new Set(['UTC', ...zones]);
  if (current) set.add(current);
  return [...set];
}

function profileForm(user) {
  const name = field({ label: 'Name', name: 'display_name', value: user.display_name || '', required: true, autocomplete: 'name' });
  const zone = field({
    label: 'Time zone', name: 'time_zone', type: 'select', value: user.time_zone || 'UTC',
    options: timeZones(user.time_zone), hint: 'Your plan\'s days and your review days follow this zone.',
  });
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const retention = field({
    label: 'Desired retention', name: 'desired_retention', type: 'number', min: 0.7, max: 0.99, step: 0.01,
    value: user.desired_retention ?? 0.9,
    hint: 'The chance of remembering a card when it comes due: 0.70 to 0.99. Higher means more frequent reviews.',
  });
  const rollover = field({
    label: 'A review day starts at (hour)', name: 'day_rollover_hour', type: 'number', min: 0, max: 23, step: 1,
    value: user.day_rollover_hour ?? 4, hint: 'Local hour, 0 to 23. Reviews done before it count for the day before.',
  });
  const errors = h('div');
  const form = h('form', { class: 'card form-narrow', novalidate: true, 'aria-labelledby': 'profile-h' },
    h('h2', { id: 'profile-h' }, 'Profile and study settings'),
    name, zone,
    browserZone && browserZone !== user.time_zone
      ? h('p', { class: 'small' }, `This browser is in ${browserZone}. `,
        button(`Use ${browserZone}`, () => { zone.input.value = browserZone; }, { kind: 'ghost' }))
      : null,
    retention, rollover, errors,
    h('div', { class: 'actions' }, button('Save settings', null, { kind: 'primary', type: 'submit' })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(errors, null);
    [name, retention, rollover].forEach((f) => setFieldError(f, null));
    const r = Number(retention.input.value);
    const hour = Number(rollover.input.value);
    let bad = false;
    if (!name.input.value.trim()) { setFieldError(name, 'Enter a name.'); bad = true; }
    if (!(r >= 0.7 && r <= 0.99)) { setFieldError(retention, 'Choose a value from 0.70 to 0.99.'); bad = true; }
    if (!Number.isInteger(hour) || hour < 0 || hour > 23) { setFieldError(rollover, 'Choose a whole hour from 0 to 23.'); bad = true; }
    if (bad) {
      const first = form.querySelector('[aria-invalid="true"]');
      if (first) first.focus();
      return;
    }
    try {
      const updated = await api('PATCH', '/api/users/me', {
        body: { display_name: name.input.value.trim(), time_zone: zone.input.value, desired_retention: r, day_rollover_hour: hour },
      });
      setUser(updated);
      toast('Settings saved.', 'success');
      announce('Settings saved.');
    } catch (err) {
      showError(errors, err);
    }
  });
  return form;
}

function passwordForm() {
  const current = field({ label: 'Current password', name: 'current_password', type: 'password', required: true, autocomplete: 'current-password' });
  const next = field({ label: 'New password', name: 'new_password', type: 'password', required: true, autocomplete: 'new-password', hint: 'At least 10 characters; not a common password and not your email.' });
  const again = field({ label: 'New password again', name: 'new_password_again', type: 'password', required: true, autocomplete: 'new-password' });
  const errors = h('div');
  const form = h('form', { class: 'card form-narrow', novalidate: true, 'aria-labelledby': 'password-h' },
    h('h2', { id: 'password-h' }, 'Change password'),
    h('p', { class: 'small muted' }, 'Changing it signs you out everywhere, this browser included.'),
    current, next, again, errors,
    h('div', { class: 'actions' }, button('Change password', null, { kind: 'primary', type: 'submit' })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(errors, null);
    [current, next, again].forEach((f) => setFieldError(f, null));
    if (!current.input.value) { setFieldError(current, 'Enter your current password.'); current.input.focus(); return; }
    if (next.input.value.length < 10) { setFieldError(next, 'The new password needs at least 10 characters.'); next.input.focus(); return; }
    if (next.input.value !== again.input.value) { setFieldError(again, 'The two new passwords differ.'); again.input.focus(); return; }
    try {
      await api('POST', '/api/users/me/password', {
        body: { current_password: current.input.value, new_password: next.input.value }, redirect401: false,
      });
      setUser(null);
      setSessions([]);
      toast('Password changed. Log in with the new one.', 'success');
      navigate('/login?next=%2Faccount');
    } catch (err) {
      if (err.code === 'weak_password') { setFieldError(next, err.message); next.input.focus(); } else if (err.status === 401 || err.code === 'invalid_credentials') {
        setFieldError(current, 'The current password is not right.');
        current.input.focus();
      } else showError(errors, err);
    }
  });
  return form;
}

export async function render(main, { signal }) {
  const user = await api('GET', '/api/users/me', { signal });
  setUser(user);
  add(main, 
    h('h1', null, 'Account'),
    h('p', { class: 'muted' }, `${user.email} · ${user.role}`),
    h('div', { class: 'stack' }, profileForm(user), passwordForm()),
  );
}

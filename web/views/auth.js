// Log in and sign up (one view, two paths). After either, the user goes back to
// `next` (the page a lapsed session was on) or the dashboard.

import { h, add } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { field, button, showError, setFieldError, announce } from '../lib/ui.js';
import { navigate, safeNext } from '../lib/router.js';
import { setUser } from '../lib/store.js';

function loginForm(next) {
  const email = field({ label: 'Email', name: 'email', type: 'email', required: true, autocomplete: 'username' });
  const password = field({ label: 'Password', name: 'password', type: 'password', required: true, autocomplete: 'current-password' });
  const errors = h('div');
  const form = h('form', { class: 'card form-narrow', novalidate: true },
    email, password, errors,
    h('div', { class: 'actions' }, button('Log in', null, { kind: 'primary', type: 'submit' })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(errors, null);
    setFieldError(email, email.input.value.trim() ? null : 'Enter your email address.');
    setFieldError(password, password.input.value ? null : 'Enter your password.');
    if (!email.input.value.trim() || !password.input.value) {
      (email.input.value.trim() ? password.input : email.input).focus();
      return;
    }
    const submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;
    try {
      const res = await api('POST', '/api/auth/login', { body: { email: email.input.value.trim(), password: password.input.value } });
      setUser(res.user);
      announce(`Logged in as ${res.user.display_name || res.user.email}.`);
      navigate(safeNext(next), { replace: true });
    } catch (err) {
      const text = err.code === 'invalid_credentials' ? { message: 'That email and password do not match an account.', requestId: err.requestId } : err;
      showError(errors, text);
      password.input.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function signupForm(next) {
  const name = field({ label: 'Your name', name: 'display_name', required: true, autocomplete: 'name' });
  const email = field({ label: 'Email', name: 'email', type: 'email', required: true, autocomplete: 'email' });
  const password = field({
    label: 'Password', name: 'password', type: 'password', required: true, autocomplete: 'new-password',
    hint: 'At least 10 characters; not a common password and not your email.',
  });
  const errors = h('div');
  const form = h('form', { class: 'card form-narrow', novalidate: true },
    name, email, password, errors,
    h('div', { class: 'actions' }, button('Sign up', null, { kind: 'primary', type: 'submit' })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(errors, null);
    for (const f of [name, email, password]) setFieldError(f, null);
    const missing = [[name, 'Enter your name.'], [email, 'Enter your email address.'], [password, 'Choose a password.']]
      .filter(([f]) => !f.input.value.trim());
    if (missing.length) {
      for (const [f, msg] of missing) setFieldError(f, msg);
      missing[0][0].input.focus();
      return;
    }
    if (password.input.value.length < 10) {
      setFieldError(password, 'The password needs at least 10 characters.');
      password.input.focus();
      return;
    }
    const submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;
    try {
      const res = await api('POST', '/api/auth/register', {
        body: { display_name: name.input.value.trim(), email: email.input.value.trim(), password: password.input.value },
      });
      setUser(res.user);
      announce('Your account is ready.');
      navigate(safeNext(next), { replace: true });
    } catch (err) {
      if (err.status === 409) {
        setFieldError(email, 'An account with this email exists already. Log in instead.');
        email.input.focus();
      } else if (err.code === 'weak_password' || /password/i.test(err.message)) {
        setFieldError(password, err.message);
        password.input.focus();
      } else if (/email/i.test(err.message)) {
        setFieldError(email, err.message);
        email.input.focus();
      } else {
        showError(errors, err);
      }
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export async function render(main, { query }) {
  const isSignup = window.location.pathname === '/signup';
  const next = query.next || '';
  const other = isSignup ? '/login' : '/signup';
  const otherHref = next ? `${other}?next=${encodeURIComponent(next)}` : other;
  add(main, 
    h('h1', null, isSignup ? 'Create your account' : 'Log in'),
    next && next !== '/' && !isSignup ? h('p', { class: 'muted' }, 'Log in to continue where you were.') : null,
    isSignup ? signupForm(next) : loginForm(next),
    h('p', { class: 'small' }, isSignup ? 'Have an account already? ' : 'No account yet? ',
      h('a', { href: otherHref, 'data-link': '' }, isSignup ? 'Log in' : 'Sign up')),
  );
}

// The "What next?" control: asks the autopilot (lib/autopilot.js) for the next
// activity of the current study session and says why. Used in the top bar (goes
// there at once, the reason in a toast) and on the dashboard and session page (the
// reason in a sentence with a button to start).

import { h, clear, add } from './dom.js';
import { button, errorBox, announce, toast } from './ui.js';
import { navigate } from './router.js';

async function ask(sessionId) {
  const mod = await import('./autopilot.js');
  return mod.whatNext(sessionId);
}

/**
 * whatNextControl({getSessionId, mode: 'inline'|'go', kind, large}) -> element.
 */
export function whatNextControl(opts) {
  const mode = opts.mode || 'inline';
  const result = h('div', { class: 'next-result', 'aria-live': 'polite' });
  const btn = button('What next?', async () => {
    clear(result);
    const sessionId = opts.getSessionId();
    if (!sessionId) {
      const msg = 'Create a study session first: the next step follows its plan.';
      if (mode === 'go') {
        toast(msg, 'warning');
        navigate('/sessions/new');
      } else {
        add(result, h('p', null, msg, ' ', h('a', { href: '/sessions/new', 'data-link': '' }, 'New session')));
      }
      return;
    }
    try {
      const next = await ask(sessionId);
      const reason = next.reason || 'This is the next step.';
      if (mode === 'go') {
        announce(reason);
        toast(reason, 'info');
        if (next.href) navigate(next.href);
        return;
      }
      add(result, 
        h('p', { class: 'reason' }, reason),
        next.href
          ? h('a', { class: 'btn btn-primary', href: next.href, 'data-link': '' }, next.label || actionLabel(next.action))
          : null,
      );
    } catch (err) {
      if (mode === 'go') toast(err.message || String(err), 'danger');
      else add(result, errorBox(err));
    }
  }, { kind: opts.kind || 'primary', class: opts.large ? 'btn-large' : null });
  return mode === 'go' ? btn : h('div', { class: 'next-step' }, btn, result);
}

export function actionLabel(action) {
  switch (action) {
    case 'review': return 'Start reviewing';
    case 'misconception': return 'Fix the misconception';
    case 'learn': return 'Learn with the tutor';
    case 'quiz': return 'Take the quiz';
    case 'break': return 'Take a break';
    case 'done': return 'See your progress';
    default: return 'Go';
  }
}

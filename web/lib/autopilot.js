// "What next?": asks the session's autopilot for the next activity and turns its
// answer into the page that does it. stepFor() is pure (node tests); whatNext()
// talks to the server, and for a quiz makes it, so the page it names is ready.

const QUIZ_ACTIONS = new Set(['quiz', 'misconception']);

function quizQuery(topic, count) {
  const q = new URLSearchParams();
  if (topic) q.set('topic', topic);
  if (count) q.set('count', String(count));
  const text = q.toString();
  return text ? `/quizzes?${text}` : '/quizzes';
}

/**
 * The autopilot's decision (the body of POST /api/sessions/{id}/autopilot/next)
 * -> {action, topic, reason, label, href, quiz}. quiz is the body for POST
 * /api/quiz/generate when the step is a quiz (href then points at the quiz
 * form, prefilled, until the quiz exists); null otherwise.
 */
export function stepFor(decision) {
  const action = (decision && decision.activity) || 'none';
  const topic = (decision && decision.topic) || null;
  const reason = (decision && decision.reason) || '';
  const next = decision && decision.next;
  const body = next && next.body && typeof next.body === 'object' ? next.body : null;
  switch (action) {
    case 'review':
      return { action, topic, reason, label: 'Review due cards', href: '/reviews', quiz: null };
    case 'misconception':
    case 'quiz': {
      const count = body && Number.isInteger(body.count) ? body.count : action === 'quiz' ? 5 : 3;
      const quiz = { ...(body || {}), count };
      if (topic && !quiz.topic) quiz.topic = topic;
      const what = action === 'misconception' ? 'Fix a misconception' : 'Take a quiz';
      return {
        action,
        topic,
        reason,
        label: topic ? `${what} on ${topic}` : what,
        href: quizQuery(quiz.topic || topic, count),
        quiz,
      };
    }
    case 'learn':
      return {
        action,
        topic,
        reason,
        label: topic ? `Learn ${topic} with the tutor` : 'Learn with the tutor',
        href: topic ? `/tutor?topic=${encodeURIComponent(topic)}` : '/tutor',
        quiz: null,
      };
    case 'break':
      return { action, topic, reason, label: 'Take a break', href: '/progress', quiz: null };
    case 'done':
      return { action, topic, reason, label: 'See your progress', href: '/progress', quiz: null };
    default:
      return {
        action: 'none',
        topic,
        reason: reason || 'The autopilot had nothing to suggest.',
        label: 'Open your sessions',
        href: '/sessions',
        quiz: null,
      };
  }
}

/** What whatNext answers when there is no study session to steer. */
export const NO_SESSION = Object.freeze({
  action: 'none',
  topic: null,
  reason: 'Create a study session first: the autopilot plans around its exam date and materials.',
  label: 'Create a study session',
  href: '/sessions/new',
  quiz: null,
});

/**
 * Asks the autopilot of session sessionId for the next step: Promise<{action,
 * reason, href, label, topic}>. A quiz step makes the quiz (POST
 * /api/quiz/generate with the autopilot's body) and points at it; when none can
 * be made, href is the quiz form prefilled and note (also appended to reason)
 * says why. opts: {signal,
 * makeQuiz (default true)}. Throws ApiError when the autopilot call fails.
 */
export async function whatNext(sessionId, opts = {}) {
  if (!sessionId) return { ...NO_SESSION };
  const { api } = await import('./api.js');
  const { signal, makeQuiz = true } = opts;
  const decision = await api('POST', `/api/sessions/${encodeURIComponent(sessionId)}/autopilot/next`, {
    body: {},
    signal,
  });
  const step = stepFor(decision);
  const out = { action: step.action, reason: step.reason, href: step.href, label: step.label, topic: step.topic };
  if (step.quiz && makeQuiz) {
    try {
      const quiz = await api('POST', '/api/quiz/generate', { body: step.quiz, signal });
      out.href = `/quizzes/${encodeURIComponent(quiz.id)}`;
    } catch (err) {
      if (err && err.name === 'AbortError') throw err;
      out.note = err && err.message ? err.message : 'The quiz could not be made.';
      out.reason = `${out.reason} The quiz could not be made yet (${out.note}): the form is ready to try another way.`.trim();
    }
  }
  return out;
}

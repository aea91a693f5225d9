// figures: numbers of the progress page in words.

// Answers below which an accuracy trend is noise: the server compares the later half of
// the answers with the earlier half, and one quiz of ten makes halves of five.
export const TREND_MIN_ANSWERS = 20;

export function percent(v)
{
    return `${Math.round((Number(v) || 0) * 100)} %`;
}

// The trend of accuracy (later half minus earlier half, a fraction) over `attempts`
// answers, in words: none before TREND_MIN_ANSWERS answers.
export function trendText(trend, attempts)
{
    if (!(Number(attempts) >= TREND_MIN_ANSWERS))
        return `trend after ${TREND_MIN_ANSWERS} answers`;
    if (typeof trend !== 'number' || !Number.isFinite(trend) || Math.abs(trend) < 0.005)
        return 'trend steady';
    return trend > 0 ? `trend up ${percent(trend)}` : `trend down ${percent(-trend)}`;
}

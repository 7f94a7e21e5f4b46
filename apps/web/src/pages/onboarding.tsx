import type { Profile } from '@skillbytes/shared';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTRPC } from '../api.ts';
import { appCodeOf, errorMessage } from '../errors.ts';
import { useReauthRetry } from '../reauth.tsx';
import { navigate } from '../router.tsx';

const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** The legacy onboarding steps (name, username, topics, language, time zone) as one form and one call. */
export function Onboarding({ me }: { me: Profile }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const topics = useQuery(trpc.challenges.topics.queryOptions());
  const [name, setName] = useState(me.name ?? '');
  const [username, setUsername] = useState(me.username ?? '');
  const [preferences, setPreferences] = useState<string[]>(me.preferences);
  const [timezone, setTimezone] = useState(me.timezone === 'UTC' ? browserTimeZone() : me.timezone);
  const [language, setLanguage] = useState(me.language);
  const stepUp = useReauthRetry();
  const changes = () => ({ name: name.trim(), username: username.trim(), preferences, language, timezone });
  const save = useMutation(
    trpc.auth.updateProfile.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        navigate('/', { replace: true });
      },
      // A new username is a sensitive change: after a while the password is asked for again.
      onError: (error, input) => stepUp.guard(error, () => save.mutate(input)),
    }),
  );
  const timeZones = Intl.supportedValuesOf?.('timeZone') ?? [];

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(changes());
  };
  const toggle = (tag: string) =>
    setPreferences((list) => (list.includes(tag) ? list.filter((t) => t !== tag) : [...list, tag]));

  return (
    <main className="narrow">
      <h1>Welcome to Skill Bytes</h1>
      <p>Tell us a little about you: this picks your daily challenges and your place on the board.</p>
      <form onSubmit={submit} className="stack">
        <label>
          Your name
          <input
            name="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            maxLength={100}
          />
        </label>
        <label>
          Username (shown on the leaderboard)
          <input
            name="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
            minLength={3}
            maxLength={32}
            pattern="[A-Za-z0-9_]+"
            title="Letters, digits and underscores"
          />
        </label>
        <fieldset>
          <legend>Topics you want to practise</legend>
          {topics.isPending && <p>Loading topics…</p>}
          {topics.data?.length === 0 && <p>No topics yet.</p>}
          <div className="chips">
            {topics.data?.map(({ tag, count }) => (
              <label key={tag} className="chip">
                <input type="checkbox" checked={preferences.includes(tag)} onChange={() => toggle(tag)} />{' '}
                {tag} <small>({count})</small>
              </label>
            ))}
          </div>
        </fieldset>
        <label>
          Language
          <select
            name="language"
            value={language}
            onChange={(e) => setLanguage(e.target.value as typeof language)}
          >
            <option value="javascript">JavaScript / TypeScript</option>
          </select>
        </label>
        <label>
          Time zone (your day starts at midnight here)
          <input
            name="timezone"
            list="time-zones"
            value={timezone}
            onChange={(e) => setTimezone(e.target.value)}
            required
          />
          <datalist id="time-zones">
            {timeZones.map((tz) => (
              <option key={tz} value={tz} />
            ))}
          </datalist>
        </label>
        <button type="submit" disabled={save.isPending}>
          Save and start
        </button>
        {save.isError && appCodeOf(save.error) !== 'REAUTH_REQUIRED' && (
          <p role="alert" className="error">
            {errorMessage(save.error)}
          </p>
        )}
      </form>
      {stepUp.prompt}
    </main>
  );
}

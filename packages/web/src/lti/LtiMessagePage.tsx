import { usePageTitle } from '../ui/usePageTitle.js';

/** A page of LTI mode that explains what to do (no launch, launch not confirmed, launch refused). */
export function LtiMessagePage({ title, text }: { title: string; text: string }) {
  usePageTitle(title);
  return (
    <section className="card narrow">
      <h1>{title}</h1>
      <p>{text}</p>
    </section>
  );
}

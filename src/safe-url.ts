// Connection URLs (PostgreSQL, Redis) in messages and logs, without their passwords.
/** Redacts the password of a connection URL for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}

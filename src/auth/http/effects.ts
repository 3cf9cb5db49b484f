// What users see for each reading of an answer (answers.ts), step by step, on Prosody 0.12 and on
// our server. The checker's "what this means for your users" sentences come from here; the e2e corpus
// tests assert our column against a running server. Prosody's column is from the wire recordings.
import type { Reading, Target } from "./answers.ts";

/** A user-visible step and the method it turns on. */
export type Step = "login" | "message" | "register" | "set_password" | "remove_user";

export const STEP_METHOD = {
  login: "check_password",
  message: "user_exists",
  register: "register",
  set_password: "set_password",
  remove_user: "remove_user",
} as const;

/** The step in a few words, for sentences ("users cannot <step>"). */
export const STEP_NAME: Readonly<Record<Step, string>> = {
  login: "log in",
  message: "learn that an address does not exist (a message to it bounces)",
  register: "register in-band (XEP-0077)",
  set_password: "change their password (XEP-0077)",
  remove_user: "remove their account (XEP-0077)",
};

type Outcomes = Readonly<Partial<Record<Reading, string>>>;

export const EFFECTS: Readonly<Record<Step, Readonly<Record<Target, Outcomes>>>> = {
  login: {
    // wire: login_ok, login_wrong_password, api_500_login
    prosody: { yes: "logged in", no: "not-authorized" },
    "xmpp-http-auth": {
      yes: "logged in",
      no: "not-authorized",
      fault: "temporary-auth-failure (the account service is unavailable)",
    },
  },
  message: {
    // wire: message_to_nonexistent, message_to_existing_offline, message_user_exists_500
    prosody: { yes: "kept for the offline user", no: "bounced (service-unavailable)" },
    "xmpp-http-auth": {
      yes: "kept for the offline user",
      no: "bounced (service-unavailable)",
      fault: "kept (never bounced during backend trouble)",
    },
  },
  register: {
    // wire: register_new, register_answer_409, register_answer_501, api_500_register
    prosody: { done: "registered", refused: "feature-not-implemented" },
    "xmpp-http-auth": {
      done: "registered",
      conflict: "conflict",
      "not-implemented": "feature-not-implemented",
      fault: "internal-server-error (wait)",
    },
  },
  set_password: {
    // wire: passwd, passwd_answer_500
    prosody: { done: "password changed", refused: "internal-server-error (wait)" },
    "xmpp-http-auth": {
      done: "password changed",
      "not-implemented": "feature-not-implemented",
      fault: "internal-server-error (wait)",
    },
  },
  remove_user: {
    // wire: unregister, unregister_answer_501
    prosody: { done: "account removed", refused: "service-unavailable" },
    "xmpp-http-auth": {
      done: "account removed",
      "not-implemented": "feature-not-implemented",
      fault: "internal-server-error (wait)",
    },
  },
};

/**
 * Readings that differ but look the same to users: on our server a message to an offline user is kept
 * whether the API said yes or could not answer (backend trouble is never read as "no such user").
 */
export function sameForUsers(step: Step, target: Target, reading: Reading, want: Reading): boolean {
  return step === "message" && target === "xmpp-http-auth" && reading === "fault" && want === "yes";
}

export function effectOf(step: Step, target: Target, reading: Reading): string {
  return EFFECTS[step][target][reading] ?? reading;
}

export const TARGET_NAME: Readonly<Record<Target, string>> = {
  prosody: "Prosody 0.12",
  "xmpp-http-auth": "xmpp-http-auth",
};

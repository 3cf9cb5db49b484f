// How parameters are read: by name, whatever their order (Prosody's order changes from one start to
// the next), and decoded properly whatever characters the password holds.
import type { CheckContext } from "./context.ts";
import type { Pairs } from "./http-client.ts";
import { judgeBoolean } from "./judge.ts";
import { runProbe, skipProbe, standardParams } from "./run-probe.ts";

export async function probeParamOrder(ctx: CheckContext): Promise<void> {
  const { user, password } = ctx.options;
  const id = "param-order";
  const hints = {
    opposite:
      "logins depend on the order Prosody happens to send parameters in, which changes at each restart",
    broken: "logins depend on the order Prosody happens to send parameters in, which changes at each restart",
  };
  if (user === undefined) {
    // An unknown user is "false" however the parameters are read, so the answer would prove nothing.
    return void skipProbe(ctx, id, "same answer in another order", "needs a known account: pass --user");
  }
  const method = password === undefined ? "user_exists" : "check_password";
  const reversed: Pairs = [...standardParams(ctx, user, password)].reverse();
  const order = reversed.map(([k]) => k).join(", ");
  await runProbe(ctx, id, `${method} (${order}) 200 true`, async () => {
    const outcome = await ctx.call({ method, params: reversed, boolean: true });
    return judgeBoolean(outcome, true, hints);
  });
}

export async function probeCheckPasswordReserved(ctx: CheckContext): Promise<void> {
  const user = ctx.options.user ?? ctx.absentUser;
  await runProbe(ctx, "check-password-reserved", "200 false (reserved + UTF-8 password)", async () => {
    const outcome = await ctx.call({
      method: "check_password",
      params: standardParams(ctx, user, ctx.passwords.reserved),
      boolean: true,
    });
    return judgeBoolean(outcome, false, {
      opposite: "a wrong password full of special characters is accepted: the decoding is broken",
      broken: "users whose password holds a space, &, +, % or a non-ASCII letter cannot log in",
    });
  });
}

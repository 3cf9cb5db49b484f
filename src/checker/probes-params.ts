// How parameters are read: by name, whatever their order (Prosody's order changes from one start to
// the next), and decoded properly whatever characters the password holds.
import type { CheckContext } from "./context.ts";
import type { Pairs } from "./http-client.ts";
import { judgeStep } from "./judge-step.ts";
import { runProbe, skipProbe, standardParams } from "./run-probe.ts";

export async function probeParamOrder(ctx: CheckContext): Promise<void> {
  const { user, password } = ctx.options;
  const id = "param-order";
  if (user === undefined) {
    // An unknown user is "false" however the parameters are read, so the answer would prove nothing.
    return void skipProbe(ctx, id, "same answer in another order", "needs a known account: pass --user");
  }
  const method = password === undefined ? "user_exists" : "check_password";
  const reversed: Pairs = [...standardParams(ctx, user, password)].reverse();
  const order = reversed.map(([k]) => k).join(", ");
  await runProbe(ctx, id, `${method} (${order}) 200 true`, async () => {
    const outcome = await ctx.call({ method, params: reversed, boolean: true });
    const situation = "a request with the parameters in another order (Prosody's changes at each restart)";
    const step = method === "check_password" ? "login" : "message";
    return judgeStep({ step, situation, want: "yes" }, outcome);
  });
}

export async function probeCheckPasswordReserved(ctx: CheckContext): Promise<void> {
  const user = ctx.options.user ?? ctx.absentUser;
  await runProbe(ctx, "check-password-reserved", "false (reserved + UTF-8 password)", async () => {
    const outcome = await ctx.call({
      method: "check_password",
      params: standardParams(ctx, user, ctx.passwords.reserved),
      boolean: true,
    });
    return judgeStep(
      {
        step: "login",
        situation: "a login with a wrong password made of reserved and non-ASCII characters",
        want: "no",
      },
      outcome,
    );
  });
}

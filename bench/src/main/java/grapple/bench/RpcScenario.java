package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * JSON-RPC against {@code /v1} on the same data (issue 16): {@code get_connections} at {@code POST
 * /_admin/api} and {@code GET /v1/{room}/connections}, one keep-alive connection each, in turns, on
 * a room with several webhooks. Goal: JSON-RPC within 10% of {@code /v1}'s requests per second.
 */
final class RpcScenario {
  private static final double GOAL_RATIO = 0.9;
  private static final int HOOKS = 10;

  private RpcScenario() {}

  static void run(Report report) throws Exception {
    int rounds = Bench.pick(5, 20);
    int perRound = Bench.pick(200, 1000);
    ObjectNode r = Report.result("rpc");
    try (Rig rig = Rig.start("rpc", Bench.synapse().url, null)) {
      for (int i = 0; i < HOOKS; i++)
        rig.bot().createWebhook(rig.roomId(), rig.owner().userId, "rpc-" + i);
      String v1 =
          "/v1/"
              + BotProcess.enc(rig.roomId())
              + "/connections?userId="
              + BotProcess.enc(rig.owner().userId);
      byte[] call =
          ("{\"id\":1,\"api_key\":\""
                  + BotProcess.SECRET
                  + "\",\"method\":\"get_connections\",\"args\":{\"roomid\":\""
                  + rig.roomId()
                  + "\",\"userid\":\""
                  + rig.owner().userId
                  + "\"}}")
              .getBytes(StandardCharsets.UTF_8);
      long v1Nanos = 0;
      long rpcNanos = 0;
      try (RawHttp rest = new RawHttp(rig.bot().provisioningPort);
          RawHttp rpc = new RawHttp(rig.bot().provisioningPort)) {
        time(rest, rpc, v1, call, perRound); // warm-up: both paths compiled before counting
        for (int i = 0; i < rounds; i++) {
          long[] t = time(rest, rpc, v1, call, perRound);
          v1Nanos += t[0];
          rpcNanos += t[1];
        }
      }
      double total = (double) rounds * perRound;
      double v1Rate = total / (v1Nanos / 1e9);
      double rpcRate = total / (rpcNanos / 1e9);
      double ratio = rpcRate / v1Rate;
      System.out.printf(
          "  get_connections (%d connections): JSON-RPC %.0f req/s, /v1 %.0f req/s, ratio %.2f%n",
          HOOKS + 1, rpcRate, v1Rate, ratio);
      r.withObjectProperty("figures").put("rpcRequestsPerSecond", rpcRate).put("requests", total);
      r.withObjectProperty("baseline")
          .put("what", "GET /v1/{room}/connections on the same room, same connection kind")
          .put("requestsPerSecond", v1Rate);
      r.put("ratio", ratio);
      r.withObjectProperty("goal").put("minRatio", GOAL_RATIO);
      r.put("met", ratio >= GOAL_RATIO)
          .put("summary", String.format("JSON-RPC %.0f vs /v1 %.0f req/s", rpcRate, v1Rate));
      report.row(
          "rpc",
          "get_connections req/s (JSON-RPC vs /v1)",
          String.format("%.0f", rpcRate),
          String.format("%.0f", v1Rate),
          String.format("%.2f", ratio),
          ">= " + GOAL_RATIO);
    }
    report.write(r);
  }

  /** {@code perRound} calls on each path, one after the other; nanoseconds spent on each. */
  private static long[] time(RawHttp rest, RawHttp rpc, String v1, byte[] call, int perRound)
      throws IOException {
    String auth = "Authorization: Bearer " + BotProcess.SECRET + "\r\n";
    long t0 = System.nanoTime();
    for (int i = 0; i < perRound; i++) check(rest.request("GET", v1, auth, null), "/v1");
    long t1 = System.nanoTime();
    for (int i = 0; i < perRound; i++)
      check(rpc.request("POST", "/_admin/api", Load.JSON_HEADERS, call), "JSON-RPC");
    long t2 = System.nanoTime();
    return new long[] {t1 - t0, t2 - t1};
  }

  private static void check(RawHttp.Answer a, String what) {
    if (a.status() != 200 || a.body().contains("\"error\":\"")) {
      throw new IllegalStateException(
          what + " get_connections failed: " + a.status() + " " + a.body());
    }
  }
}

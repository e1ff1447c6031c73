package grapple.bot.http;

import grapple.state.Fatal;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.jspecify.annotations.Nullable;

/** Reads a routed request's body within the limits, then runs its handler. */
final class Handling implements BodyReader.Outcome {
  /**
   * What every request of a listener shares: the memory budget for bodies, how long a body may
   * take, the timer that enforces it, the listener's threads, and its answers' writer.
   */
  record Setup(
      InFlight budget,
      Duration bodyTimeout,
      ScheduledExecutorScheduler scheduler,
      Executor threads,
      Answers answers) {}

  private final Exchange exchange;
  private final org.eclipse.jetty.server.Request request;
  private final Router.Match match;
  private final InFlight budget;
  private final Duration bodyTimeout;
  private final ScheduledExecutorScheduler scheduler;
  private final Executor threads;
  private final Answers answers;
  private @Nullable BodyReader reader;

  Handling(
      Exchange exchange,
      org.eclipse.jetty.server.Request request,
      Router.Match match,
      Setup setup) {
    this.exchange = exchange;
    this.request = request;
    this.match = match;
    this.budget = setup.budget();
    this.bodyTimeout = setup.bodyTimeout();
    this.scheduler = setup.scheduler();
    this.threads = setup.threads();
    this.answers = setup.answers();
  }

  void begin() {
    Router.LaterGate gate = match.route().orElseThrow().gate();
    if (gate == Router.LaterGate.OPEN) {
      take();
      return;
    }
    CompletableFuture<Optional<Response>> verdict;
    try {
      verdict = gate.refuse(request(Request.Body.UNREAD));
    } catch (Throwable e) {
      Fatal.haltIfFatal(e);
      verdict = CompletableFuture.failedFuture(e);
    }
    if (verdict.isDone()) {
      verdict.whenComplete(this::gated);
      return;
    }
    // Decided on another thread (a database read): the body is read, and the handler run, on one
    // of the listener's own, as if the request had just come in.
    verdict.whenComplete((refused, failure) -> later(() -> gated(refused, failure)));
  }

  private void later(Runnable work) {
    try {
      threads.execute(work);
    } catch (RejectedExecutionException e) {
      work.run(); // Stopping: answered here rather than never.
    }
  }

  /**
   * After the route's {@link Router.LaterGate} ruled, before any of the body is read: a refusal (or
   * the gate's failure) is the answer, and the body is never read; else the body is read. {@code
   * refused} is not looked at when the gate failed.
   */
  private void gated(Optional<Response> refused, @Nullable Throwable failure) {
    Response answer;
    if (failure == null) {
      if (refused.isEmpty()) {
        take();
        return;
      }
      answer = refused.get();
    } else {
      Throwable cause =
          failure instanceof CompletionException && failure.getCause() != null
              ? failure.getCause()
              : failure;
      answer =
          cause instanceof Request.Malformed malformed
              ? exchange.style().error(400, malformed.getMessage(), exchange.requestId())
              : exchange.crashed(cause);
    }
    // The body was not read: the connection cannot carry another request after it.
    if (exchange.hasBody()) exchange.closeAfterAnswer();
    exchange.answer(answer);
  }

  /** Reads the body within the route's limit and the budget, then runs the handler. */
  private void take() {
    long limit = match.route().orElseThrow().maxBodyBytes();
    long declared = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
    boolean chunked = request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
    if (declared <= 0 && !chunked) {
      run(Request.Body.EMPTY, () -> {});
      return;
    }
    if (declared > limit) {
      exchange.closeAfterAnswer();
      run(Request.Body.tooLarge(limit), () -> {});
      return;
    }
    reader = new BodyReader(request, chunked ? -1 : declared, limit, budget, this);
    if (!reader.reserve()) {
      busy();
      return;
    }
    reader.start(scheduler, bodyTimeout.toMillis());
  }

  /** The request as a handler (or a gate) sees it, with {@code body}. */
  private Request request(Request.Body body) {
    Request r =
        new Request(
            request.getMethod(),
            exchange.path(),
            match.params(),
            Objects.requireNonNullElse(request.getHttpURI().getQuery(), ""),
            request.getHeaders(),
            exchange.requestId(),
            body);
    if (match.strictQuery()) r.query(); // a malformed %-escape is a 400 before the handler
    return r;
  }

  @Override
  public void read(byte[] body) {
    exchange.bodyRead();
    run(new Request.Body(body, match.route().orElseThrow().maxBodyBytes()), this::release);
  }

  @Override
  public void tooLarge() {
    release();
    exchange.closeAfterAnswer();
    run(Request.Body.tooLarge(match.route().orElseThrow().maxBodyBytes()), () -> {});
  }

  @Override
  public void busy() {
    release();
    exchange.answerAndClose(
        exchange
            .style()
            .error(
                503,
                "Too much data in flight right now; nothing was accepted." + " Try again shortly.",
                exchange.requestId())
            .withHeader("Retry-After", "1"));
  }

  @Override
  public void timedOut() {
    release();
    exchange.closeAtOnceAfterAnswer();
    exchange.answer(
        exchange
            .style()
            .error(
                408,
                "The request body did not arrive within " + bodyTimeout.toSeconds() + " s",
                exchange.requestId()));
  }

  @Override
  public void failed(Throwable failure) {
    release();
    exchange.abandon(failure);
  }

  /** Gives back what the reader reserved (it exists: it is what reports these outcomes). */
  private void release() {
    if (reader != null) reader.release();
  }

  /**
   * Runs the handler, then {@code after}. A handler that may wait is not run by a thread that is
   * answering a burst (its other connections would wait with it): it goes to another thread.
   */
  private void run(Request.Body body, Runnable after) {
    if (match.route().orElseThrow().waits() && Answers.answering())
      threads.execute(() -> handle(body, after));
    else handle(body, after);
  }

  /**
   * Runs the handler and {@code after} (which gives the body's budget back) before the answer can
   * go out, so a client that posts again once answered finds the budget free; what the handler
   * throws is answered as a crash, here, once.
   */
  private void handle(Request.Body body, Runnable after) {
    CompletableFuture<Response> pending;
    try {
      pending = match.route().orElseThrow().handler().handle(request(body));
    } catch (Request.Malformed e) {
      pending =
          CompletableFuture.completedFuture(
              exchange.style().error(400, e.getMessage(), exchange.requestId()));
    } catch (Throwable e) {
      Fatal.haltIfFatal(e);
      pending = CompletableFuture.failedFuture(e);
    } finally {
      after.run();
    }
    exchange.answerWhenDone(pending, answers);
  }
}

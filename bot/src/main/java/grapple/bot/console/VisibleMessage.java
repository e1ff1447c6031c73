package grapple.bot.console;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import grapple.bot.http.UrlSecrets;

/**
 * A log line's message ({@code %visibleMsg} in {@code logback.xml}) as an operator's terminal and
 * log tools should see it: what a webhook's sender or a room member wrote can reach a message (a
 * script's error, a hook's name), and raw it could clear the screen, set the terminal's title or
 * clipboard, or start a line that looks like another log line. Control characters are shown as
 * escapes ({@code ESC} as {@code \\u001b}), and every line after a message's first is indented.
 */
public final class VisibleMessage extends MessageConverter {
  @Override
  public String convert(ILoggingEvent event) {
    return ConsoleGateway.visible(UrlSecrets.masked(super.convert(event))).replace("\n", "\n  ");
  }
}

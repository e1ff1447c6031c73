package grapple.bot.forge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Active;
import grapple.bot.NamedKind;
import grapple.bot.ServiceContext;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A forge's connection kind (a room following one repository or project): its names, its two ways
 * of reading content, the rule that a connection's state key is the one its content names, and the
 * lookup of the connections an event is for.
 */
public abstract class ForgeKind<C extends ForgeConfig> extends NamedKind<C> {
  protected ForgeKind(
      String name, String service, String eventType, List<String> legacyEventTypes) {
    super(name, service, eventType, legacyEventTypes);
  }

  /**
   * Content a command or the API writes (a new connection, or a change to one) is read strictly, as
   * hookshot's provisioning checks it: e.g. an unknown hook or event name is refused.
   */
  @Override
  public final C parse(String stateKey, ObjectNode content) {
    return read(stateKey, content, true);
  }

  /**
   * Room state is read leniently (hookshot's older forms, hand-written state): what the strict
   * reading refuses is left out where the rest still makes sense.
   */
  @Override
  public final C parseState(String stateKey, ObjectNode content) {
    return read(stateKey, content, false);
  }

  /** Every forge connection answers commands of its own, on its {@code commandPrefix}. */
  @Override
  public final Optional<String> commandPrefix(C config) {
    return Optional.of(config.commandPrefix());
  }

  /**
   * Reads {@code content} for {@code stateKey}, {@code strict}ly or not (see {@link #parse} and
   * {@link #parseState}); throws BadInput naming the field and the rule.
   */
  protected abstract C read(String stateKey, ObjectNode content, boolean strict);

  /**
   * BadInput unless {@code stateKey} (any case) is {@code key}, the one the content names; {@code
   * what} says what a key is, e.g. {@code org/repo}.
   */
  protected static void checkStateKey(String key, String stateKey, String what) {
    BadInput.check(
        key.equals(stateKey.toLowerCase(Locale.ROOT)),
        "state_key",
        "must be %s of the content (%s), was %s",
        what,
        Markdown.code(key),
        Markdown.code(stateKey));
  }

  /** This kind's connections that {@code follows} picks, in rooms the bot is in. */
  protected final List<Active> following(ServiceContext context, Predicate<Active> follows) {
    return context.connections().ofKind(this).stream()
        .filter(follows)
        .filter(a -> !context.botRooms().notIn(a.roomId()))
        .toList();
  }

  /**
   * Whether a connection of this kind that {@code follows} picks exists in any room, the bot in it
   * or not (invited back, its connection works again): a hook shared by rooms stays for it.
   */
  protected final boolean followedAnywhere(ServiceContext context, Predicate<Active> follows) {
    return context.connections().ofKind(this).stream().anyMatch(follows);
  }

  /**
   * The one instance the connections {@code follows} picks name, in rooms the bot is in, when they
   * all name the same one; empty when there is none or they name several.
   */
  protected final Optional<String> onlyInstance(
      ServiceContext context, Predicate<Active> follows, Function<Active, String> instance) {
    List<String> instances = following(context, follows).stream().map(instance).distinct().toList();
    return instances.size() == 1 ? Optional.of(instances.get(0)) : Optional.empty();
  }

  /** Whether a connection's state key is {@code key}, in any case. */
  protected static Predicate<Active> keyed(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    return a -> a.stateKey().toLowerCase(Locale.ROOT).equals(lower);
  }
}

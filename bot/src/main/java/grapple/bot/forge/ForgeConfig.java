package grapple.bot.forge;

/** What the config of every forge connection has (a room following a repository or project). */
public interface ForgeConfig {
  /** The prefix of the connection's own commands in its room ({@code !gh}). */
  String commandPrefix();
}

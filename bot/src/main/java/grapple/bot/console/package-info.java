@NullMarked
package grapple.bot.console;

import org.jspecify.annotations.NullMarked;

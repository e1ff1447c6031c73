@NullMarked
package grapple.bot.e2e;

import org.jspecify.annotations.NullMarked;

@NullMarked
package grapple.bot.sample;

import org.jspecify.annotations.NullMarked;

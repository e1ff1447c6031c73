@NullMarked
package grapple.bot.matrix;

import org.jspecify.annotations.NullMarked;

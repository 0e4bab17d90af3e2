/**
 * @file Reverse-mode autograd: the tape node each differentiable op records, the grad
 * mode switch, and `backward`. Gradients are computed with ordinary ops under noGrad, so
 * every backend gets them for free and they follow the same numeric contract.
 */
import { GradError, invariant, ShapeError } from './errors.ts';
import { fmtShape, shapesEqual } from './shape.ts';
import type { Tensor } from './tensor.ts';

/** What an op remembers to turn its output's gradient into its inputs' gradients. */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Returns one gradient per input (same shape as that input), or null where none flows. */
  readonly backward: (gradOut: Tensor) => ReadonlyArray<Tensor | null>;
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Runs `fn` without recording a tape: results do not require grad.
 * @example const y = noGrad(() => model.forward(x)); // inference, no graph kept
 */
export function noGrad<T>(fn: () => T): T {
  const saved = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = saved;
  }
}

/** Attaches a tape node to `out` when grad is on and some input requires grad. */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: GradNode['backward']): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward };
  }
  return out;
}

/** Tensors reachable from `root` through nodes, ordered so each comes after all its users. */
function reverseTopological(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative post-order DFS (deep graphs would overflow a recursive one).
  const stack: Array<[Tensor, number]> = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [t, next] = top;
    const inputs = t.node?.inputs ?? [];
    if (next < inputs.length) {
      top[1] = next + 1;
      const child = inputs[next]!;
      if (child.requiresGrad && !seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      order.push(t);
      stack.pop();
    }
  }
  return order.reverse();
}

/**
 * Back-propagates from `root`, adding into `.grad` of every leaf that requires grad.
 * `gradOut` defaults to 1 for a single-element root; a pipeline stage passes the gradient
 * it received from the next stage.
 */
export function backward(root: Tensor, gradOut: Tensor | undefined, onesLike: (t: Tensor) => Tensor): void {
  if (!root.requiresGrad) throw new GradError('backward() on a tensor that does not require grad');
  if (gradOut === undefined) {
    if (root.size !== 1) {
      throw new GradError(`backward() needs an output gradient for a non-scalar of shape ${fmtShape(root.shape)}`);
    }
    gradOut = onesLike(root);
  } else if (!shapesEqual(gradOut.shape, root.shape) || gradOut.dtype !== root.dtype) {
    throw new ShapeError(`backward(): gradient ${gradOut.dtype}${fmtShape(gradOut.shape)} does not match output ${root.dtype}${fmtShape(root.shape)}`);
  }
  const grads = new Map<Tensor, Tensor>([[root, gradOut]]);
  noGrad(() => {
    for (const t of reverseTopological(root)) {
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t);
      if (t.node === null) {
        t.grad = t.grad === null ? g.clone() : t.grad.add(g);
        continue;
      }
      const inputGrads = t.node.backward(g);
      t.node.inputs.forEach((input, i) => {
        const gi = inputGrads[i];
        if (!input.requiresGrad || gi === null || gi === undefined) return;
        invariant(shapesEqual(gi.shape, input.shape), `${t.node!.op} backward: grad ${fmtShape(gi.shape)} for input ${fmtShape(input.shape)}`);
        const prev = grads.get(input);
        grads.set(input, prev === undefined ? gi : prev.add(gi));
      });
    }
  });
}

import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { DrawingOverlay, normalisedPoint } from "./DrawingOverlay";

/** The frame as a 1024×768 tablet shows it: 640×360 at (100, 50). */
const FRAME = { left: 100, top: 50, width: 640, height: 360 };

function placeFrame(element: Element, frame: typeof FRAME) {
	element.getBoundingClientRect = () => ({
		...frame,
		x: frame.left,
		y: frame.top,
		right: frame.left + frame.width,
		bottom: frame.top + frame.height,
		toJSON: () => frame
	});
}

describe("DrawingOverlay", () => {
	it("turns pointer positions into 0–1 of the displayed frame, clamped to it", () => {
		expect(normalisedPoint(100, 50, FRAME)).toEqual([0, 0]);
		expect(normalisedPoint(740, 410, FRAME)).toEqual([1, 1]);
		expect(normalisedPoint(420, 230, FRAME)).toEqual([0.5, 0.5]);
		expect(normalisedPoint(260, 140, FRAME)).toEqual([0.25, 0.25]);
		// Past the edges (a drag that leaves the frame) stays on it.
		expect(normalisedPoint(0, 999, FRAME)).toEqual([0, 1]);
		expect(normalisedPoint(300, 300, { left: 0, top: 0, width: 0, height: 0 })).toEqual([0, 0]);
	});

	it("stores a dragged arrow in normalised coordinates, the same at any player size", () => {
		const drawn = [FRAME, { left: 0, top: 0, width: 320, height: 180 }].map((frame) => {
			const onChange = vi.fn();
			const { unmount } = render(
				<DrawingOverlay drawing={null} tool={{ kind: "arrow", color: "#ff0000" }} onChange={onChange} />
			);
			const area = screen.getByRole("img", { name: /Drawing area/ });
			placeFrame(area, frame);
			const at = (x: number, y: number) => ({
				clientX: frame.left + x * frame.width,
				clientY: frame.top + y * frame.height,
				pointerId: 1
			});
			fireEvent.pointerDown(area, at(0.2, 0.3));
			fireEvent.pointerMove(area, at(0.5, 0.6));
			fireEvent.pointerUp(area, at(0.5, 0.6));
			unmount();
			return onChange.mock.calls[0]![0];
		});
		expect(drawn[0]).toEqual({
			shapes: [
				{
					kind: "arrow",
					color: "#ff0000",
					points: [
						[0.2, 0.3],
						[0.5, 0.6]
					]
				}
			]
		});
		expect(drawn[1]).toEqual(drawn[0]);
	});

	it("adds freehand points as the pointer moves, and ignores a tap without a drag", () => {
		const onChange = vi.fn();
		render(<DrawingOverlay drawing={null} tool={{ kind: "freehand", color: "#00ff00" }} onChange={onChange} />);
		const area = screen.getByRole("img", { name: /Drawing area/ });
		placeFrame(area, FRAME);
		fireEvent.pointerDown(area, { clientX: 420, clientY: 230, pointerId: 1 });
		fireEvent.pointerUp(area, { clientX: 420, clientY: 230, pointerId: 1 });
		expect(onChange).not.toHaveBeenCalled();

		fireEvent.pointerDown(area, { clientX: 100, clientY: 50, pointerId: 1 });
		fireEvent.pointerMove(area, { clientX: 260, clientY: 140, pointerId: 1 });
		fireEvent.pointerMove(area, { clientX: 420, clientY: 230, pointerId: 1 });
		fireEvent.pointerUp(area, { clientX: 420, clientY: 230, pointerId: 1 });
		expect(onChange.mock.calls[0]![0].shapes[0].points).toEqual([
			[0, 0],
			[0.25, 0.25],
			[0.5, 0.5]
		]);
	});

	it("draws stored shapes over the frame by their normalised coordinates", () => {
		const { container } = render(
			<DrawingOverlay
				drawing={{
					shapes: [
						{
							kind: "rect",
							color: "#0000ff",
							points: [
								[0.6, 0.1],
								[0.2, 0.5]
							]
						}
					]
				}}
			/>
		);
		const rect = container.querySelector("rect")!;
		expect(
			[rect.getAttribute("x"), rect.getAttribute("y"), rect.getAttribute("width"), rect.getAttribute("height")].map(
				Number
			)
		).toEqual([20, 10, 40, 40]);
		expect(screen.getByRole("img", { name: "Drawing with 1 shapes" })).toBeTruthy();
	});
});

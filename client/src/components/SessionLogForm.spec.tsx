import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { choose, chooseInRadioGroup, typeInto, typeIntoTextarea } from "../../test/ionic";
import { SessionLogForm } from "./SessionLogForm";

function renderForm(props: Partial<Parameters<typeof SessionLogForm>[0]> = {}) {
	const onSubmit = vi.fn();
	render(<SessionLogForm selectedTagIds={[]} tagPicker={null} onSubmit={onSubmit} {...props} />);
	return onSubmit;
}

const submit = () => fireEvent.submit(screen.getByRole("form", { name: "Log a practice session" }));

describe("session log form", () => {
	it("fills the minutes from the timer and keeps the timed start and end", async () => {
		const timed = { startedAt: "2026-11-26T08:00:00.000Z", endedAt: "2026-11-26T08:25:10.000Z" };
		const onSubmit = renderForm({ timed });
		expect(document.querySelector("ion-input[label='Minutes practised']")).toHaveAttribute("value", "25");

		choose("Focus", "etudes");
		submit();

		await waitFor(() =>
			expect(onSubmit).toHaveBeenCalledWith({
				focus: "etudes",
				startedAt: timed.startedAt,
				endedAt: timed.endedAt
			})
		);
	});

	it("moves the start when the student corrects the timed minutes", async () => {
		const timed = { startedAt: "2026-11-26T08:00:00.000Z", endedAt: "2026-11-26T08:25:10.000Z" };
		const onSubmit = renderForm({ timed });
		choose("Focus", "etudes");
		typeInto("Minutes practised", "20");
		submit();

		await waitFor(() =>
			expect(onSubmit).toHaveBeenCalledWith({
				focus: "etudes",
				startedAt: "2026-11-26T08:05:10.000Z",
				endedAt: timed.endedAt
			})
		);
	});

	it("sends rating, trimmed note and chosen tags with typed minutes ending now", async () => {
		const onSubmit = renderForm({ selectedTagIds: ["tag-1"] });
		choose("Focus", "repertoire");
		typeInto("Minutes practised", "40");
		chooseInRadioGroup("How did it go? (1 to 5)", 4);
		typeIntoTextarea("Note", "  Slow bows on the D string  ");
		const before = Date.now();
		submit();

		await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
		const session = onSubmit.mock.calls[0]![0];
		expect(session).toMatchObject({
			focus: "repertoire",
			selfRating: 4,
			note: "Slow bows on the D string",
			tagIds: ["tag-1"]
		});
		expect(Date.parse(session.endedAt)).toBeGreaterThanOrEqual(before - 1000);
		expect(Date.parse(session.endedAt) - Date.parse(session.startedAt)).toBe(40 * 60_000);
	});

	it("asks for a focus and sensible minutes instead of submitting", async () => {
		const onSubmit = renderForm();
		typeInto("Minutes practised", "0");
		submit();

		const alerts = await screen.findAllByRole("alert");
		expect(alerts.map((alert) => alert.textContent)).toEqual([
			"Choose what you practised.",
			"Enter whole minutes from 1 to 720."
		]);
		expect(onSubmit).not.toHaveBeenCalled();
	});

	it("refuses sessions longer than twelve hours", async () => {
		const onSubmit = renderForm();
		choose("Focus", "scales");
		typeInto("Minutes practised", "721");
		submit();

		expect(await screen.findByRole("alert")).toHaveTextContent("Enter whole minutes from 1 to 720.");
		expect(onSubmit).not.toHaveBeenCalled();
	});

	it("leaves the rating out when the student clears it", async () => {
		const onSubmit = renderForm();
		choose("Focus", "scales");
		typeInto("Minutes practised", "10");
		chooseInRadioGroup("How did it go? (1 to 5)", 3);
		chooseInRadioGroup("How did it go? (1 to 5)", undefined);
		submit();

		await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
		expect(onSubmit.mock.calls[0]![0]).not.toHaveProperty("selfRating");
	});
});

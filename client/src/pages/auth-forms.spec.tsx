import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ReactElement } from "react";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../data/api-error";
import { AuthContext, type AuthState } from "../data/auth-context";
import { LoginForm } from "./LoginPage";
import { RegisterForm } from "./RegisterPage";
import { typeInto } from "../../test/ionic";

function renderWithAuth(form: ReactElement, overrides: Partial<AuthState>) {
	const state: AuthState = {
		status: "signedOut",
		user: null,
		accountId: null,
		login: vi.fn(),
		register: vi.fn(),
		logout: vi.fn(),
		deleteAccount: vi.fn(),
		setUser: vi.fn(),
		...overrides
	};
	render(<AuthContext.Provider value={state}>{form}</AuthContext.Provider>);
}

describe("sign-in form", () => {
	it("sends the trimmed email and the password", async () => {
		const login = vi.fn().mockResolvedValue(undefined);
		renderWithAuth(<LoginForm />, { login });
		typeInto("Email", "  ada@example.com ");
		typeInto("Password", "correct horse");
		fireEvent.submit(screen.getByRole("form", { name: "Sign in" }));

		await waitFor(() => expect(login).toHaveBeenCalledWith({ email: "ada@example.com", password: "correct horse" }));
	});

	it("explains wrong credentials in plain words", async () => {
		const login = vi.fn().mockRejectedValue(new ApiError("ERR_INVALID_CREDENTIALS", "Invalid credentials", 401));
		renderWithAuth(<LoginForm />, { login });
		typeInto("Email", "ada@example.com");
		typeInto("Password", "wrong password");
		fireEvent.submit(screen.getByRole("form", { name: "Sign in" }));

		expect(await screen.findByRole("alert")).toHaveTextContent("That email and password don't match");
	});
});

describe("registration form", () => {
	it("asks for a longer password and does not submit a short one", async () => {
		const register = vi.fn();
		renderWithAuth(<RegisterForm />, { register });
		typeInto("Your name", "Ada");
		typeInto("Email", "ada@example.com");
		typeInto("Password (at least 8 characters)", "short");
		fireEvent.submit(screen.getByRole("form", { name: "Create an account" }));

		expect(await screen.findByRole("alert")).toHaveTextContent("Use at least 8 characters.");
		expect(register).not.toHaveBeenCalled();
	});

	it("registers a student in the device's time zone", async () => {
		const register = vi.fn().mockResolvedValue(undefined);
		renderWithAuth(<RegisterForm />, { register });
		typeInto("Your name", " Ada ");
		typeInto("Email", "ada@example.com");
		typeInto("Password (at least 8 characters)", "long enough");
		fireEvent.submit(screen.getByRole("form", { name: "Create an account" }));

		await waitFor(() =>
			expect(register).toHaveBeenCalledWith({
				name: "Ada",
				email: "ada@example.com",
				password: "long enough",
				role: "student",
				timezone: Intl.DateTimeFormat().resolvedOptions().timeZone
			})
		);
	});

	it("says an email is taken in words and shows the server's field problems", async () => {
		const register = vi
			.fn()
			.mockRejectedValue(
				new ApiError("ERR_EMAIL_TAKEN", "Email exists", 409, [{ field: "email", message: "Already registered" }])
			);
		renderWithAuth(<RegisterForm />, { register });
		typeInto("Your name", "Ada");
		typeInto("Email", "ada@example.com");
		typeInto("Password (at least 8 characters)", "long enough");
		fireEvent.submit(screen.getByRole("form", { name: "Create an account" }));

		const alerts = await screen.findAllByRole("alert");
		expect(alerts.map((alert) => alert.textContent)).toEqual([
			"Already registered",
			"An account with this email already exists. Try signing in instead."
		]);
	});
});

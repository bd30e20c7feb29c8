import { useParams } from "react-router-dom";
import { Screen } from "../../components/Screen";
import { useWideScreen } from "../../components/teaching/use-wide-screen";
import { RosterList } from "./RosterList";
import { StudentDetail } from "./StudentDetail";
import "../../components/teaching/teaching.css";

/**
 * The Students tab: the roster, and a student's drill-down at /tabs/students/:studentId. From 768 px the two sit
 * side by side (a split pane); on a phone the drill-down is a screen of its own with a way back.
 */
export default function StudentsPage() {
	const { studentId } = useParams<{ studentId?: string }>();
	const wide = useWideScreen();
	if (studentId && !wide) {
		return (
			<Screen title="Student" backHref="/tabs/students">
				<StudentDetail studentId={studentId} />
			</Screen>
		);
	}
	return (
		<Screen title={studentId ? "Student" : "Students"} wide>
			<div className="etude-split">
				<RosterList selectedStudentId={studentId} />
				{wide &&
					(studentId ? (
						<StudentDetail studentId={studentId} />
					) : (
						<p className="ion-padding">Choose a student to see their practice.</p>
					))}
			</div>
		</Screen>
	);
}

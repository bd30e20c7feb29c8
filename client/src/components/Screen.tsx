import { IonBackButton, IonButtons, IonContent, IonHeader, IonPage, IonTitle, IonToolbar } from "@ionic/react";
import { useContext, type ReactNode, type Ref } from "react";
import { HeaderActionsContext } from "./header-actions";

interface ScreenProps {
	title: string;
	/** Shows a back button to this route when there is no history to go back to. */
	backHref?: string;
	padded?: boolean;
	/** Things that sit outside the centred column, such as a pull-to-refresh. */
	beforeContent?: ReactNode;
	children: ReactNode;
	contentRef?: Ref<HTMLIonContentElement>;
	/** Wider column for screens laid out in two columns on tablets. */
	wide?: boolean;
}

/** One screen: an IonPage with its own header, content centred to a readable width on wide screens. */
export function Screen({
	title,
	backHref,
	padded = false,
	beforeContent,
	children,
	contentRef,
	wide = false
}: ScreenProps) {
	const headerActions = useContext(HeaderActionsContext);
	return (
		<IonPage>
			<IonHeader>
				<IonToolbar>
					{backHref && (
						<IonButtons slot="start">
							<IonBackButton defaultHref={backHref} />
						</IonButtons>
					)}
					<IonTitle>{title}</IonTitle>
					{headerActions && <IonButtons slot="end">{headerActions}</IonButtons>}
				</IonToolbar>
			</IonHeader>
			<IonContent ref={contentRef} className={padded ? "ion-padding" : undefined}>
				{beforeContent}
				<div className={wide ? "etude-wide" : "etude-narrow"}>{children}</div>
			</IonContent>
		</IonPage>
	);
}
